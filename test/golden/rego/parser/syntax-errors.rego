package aiws.broken

allow {
	input.user == "alice"
}

deny[msg] if { msg := "x" }

limit := [1, 2

quota if { count(input.xs) > }

name := "unterminated
