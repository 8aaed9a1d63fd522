# entrypoints: golden/level, golden/allow
package golden

default allow := false

allow if input.user.role == "admin"

level := "high" if input.n > 10
else := "mid" if input.n > 5
else := "low"
