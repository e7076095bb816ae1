package finding

import "testing"

func TestJoinMember(t *testing.T) {
	tests := []struct{ outer, inner, want string }{
		{"model.zip", "data.pkl", "model.zip!data.pkl"},
		{"a.zip!b.tar", "c.pkl", "a.zip!b.tar!c.pkl"},
		{"", "data.pkl", "data.pkl"},
		{"model.pkl", "", "model.pkl"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := JoinMember(tt.outer, tt.inner); got != tt.want {
			t.Errorf("JoinMember(%q, %q) = %q, want %q", tt.outer, tt.inner, got, tt.want)
		}
	}
}
