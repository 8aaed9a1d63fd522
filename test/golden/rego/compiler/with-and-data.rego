# entrypoints: golden/check, golden
package golden

limit := data.config.limit

ok if input.n < limit

check if {
	ok with input.n as 1 with data.config.limit as 5
	every x in input.xs { x > 0 }
	not input.blocked
}
