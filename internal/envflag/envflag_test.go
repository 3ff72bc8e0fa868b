package envflag

import "testing"

func TestTruthy(t *testing.T) {
	for _, v := range []string{"1", "true", "TRUE", " yes ", "On"} {
		if !Truthy(v) {
			t.Errorf("Truthy(%q) = false", v)
		}
	}
	for _, v := range []string{"", "0", "false", "no", "off", "2", "y"} {
		if Truthy(v) {
			t.Errorf("Truthy(%q) = true", v)
		}
	}
}
