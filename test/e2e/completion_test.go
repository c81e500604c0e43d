package e2e

import (
	"strings"
	"testing"
)

// TestCompletion: `rampart completion bash|zsh|fish` print completion
// scripts, and the candidates the bash script offers after `rampart ` are
// the real commands. Cobra's scripts do not list the commands themselves:
// on Tab they run `rampart __complete ARGS...` and offer what it prints,
// so that is what is checked for serve, validate and attack.
func TestCompletion(t *testing.T) {
	scripts := []struct{ shell, want string }{
		{shell: "bash", want: "complete -o default -F __start_rampart rampart"},
		{shell: "zsh", want: "#compdef rampart"},
		{shell: "fish", want: "complete -c rampart"},
	}
	for _, s := range scripts {
		res := runRampart(t, t.TempDir(), "completion", s.shell)
		if res.code != 0 {
			t.Fatalf("rampart completion %s: exit %d, stderr %q", s.shell, res.code, res.stderr)
		}
		if !strings.Contains(res.stdout, s.want) || !strings.Contains(res.stdout, "__complete") {
			t.Errorf("rampart completion %s: script lacks %q or the __complete callback", s.shell, s.want)
		}
	}

	// What the bash script runs when the user presses Tab after `rampart `.
	res := runRampart(t, t.TempDir(), "__complete", "")
	if res.code != 0 {
		t.Fatalf("rampart __complete: exit %d, stderr %q", res.code, res.stderr)
	}
	offered := map[string]bool{}
	for line := range strings.SplitSeq(res.stdout, "\n") {
		name, _, _ := strings.Cut(line, "\t")
		offered[name] = true
	}
	for _, cmd := range []string{"serve", "validate", "attack"} {
		if !offered[cmd] {
			t.Errorf("Tab after `rampart ` does not offer %q; candidates:\n%s", cmd, res.stdout)
		}
	}
}
