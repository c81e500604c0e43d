package injection

import "testing"

func TestSSTI(t *testing.T) {
	runDetectCases(t, "ssti", []detectCase{
		{"jinja arithmetic", "{{7*7}}", Query, 0, scoreStrong},
		{"string multiply", "{{7*'7'}}", Query, 0, scoreStrong},
		{"el arithmetic", "${7*7}", Query, 0, scoreStrong},
		{"ruby", "#{7*7}", Query, 0, scoreStrong},
		{"erb", "<%= 7*7 %>", Query, 0, scoreStrong},
		{"mro walk", `{{"".__class__.__mro__[1].__subclasses__()}}`, JSONValue, 0, scoreStrong},
		{"config", "{{config.items()}}", JSONValue, 0, scoreStrong},
		{"spring", "${T(java.lang.Runtime).getRuntime().exec('id')}", JSONValue, 0, scoreStrong},
		{"freemarker", `<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}`, JSONValue, 0, scoreStrong},
		{"thymeleaf", "*{T(java.lang.Runtime).getRuntime()}", JSONValue, 0, scoreStrong},
		{"jinja statement", "{% for c in [].__class__.__base__.__subclasses__() %}{% endfor %}", JSONValue, 0, scoreStrong},
		{"angular", "{{constructor.constructor('alert(1)')()}}", JSONValue, 0, scoreStrong},
		{"encoded", "%7B%7B7*7%7D%7D", Query, 0, scoreStrong},
		{"call", "{{ range(10) }}", JSONValue, 0, scoreLikely},
		{"gadget without delimiters", "x.__subclasses__()", JSONValue, 0, scoreLikely},
		{"attribute at high", "{{user.name}}", JSONValue, High, scoreWeak},
		// Benign.
		{"placeholder", "Hello {{name}}, welcome!", JSONValue, 0, 0},
		{"attribute", "Dear {{user.name}}", JSONValue, 0, 0},
		{"shell variable", "echo ${HOME}", JSONValue, 0, 0},
		{"js template", "`Hello ${user.name}`", JSONValue, 0, 0},
		{"jinja if", "{% if user %}Hi{% endif %}", JSONValue, 0, 0},
		{"email", "jane@example.com (work)", JSONValue, 0, 0},
		{"wiki link", "[[Main Page]]", JSONValue, 0, 0},
		{"python init", "def __init__(self): pass", JSONValue, 0, 0},
		{"many braces", "{{{{{{{{", JSONValue, 0, 0},
	})
}

func FuzzSSTI(f *testing.F) {
	fuzzDetector(f, &sstiDetector, "{{7*7}}", "${x}", "#{1}", "<%= x %>", "{%%}", "{{{{", "*{", "@(1+1)", "<#assign")
}
