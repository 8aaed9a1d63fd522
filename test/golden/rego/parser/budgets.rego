package aiws.capabilities.budgets

default within_budget := false

limits := {
	"http.fetch": {"calls": 100, "bytes": 10485760},
	"kv.put": {"calls": 1000, "bytes": 1048576},
	"llm.complete": {"calls": 20, "bytes": 262144, "tokens": 200000},
}

used[cap] := totals if {
	some cap in object.keys(limits)
	calls := [c | some c in input.journal; c.capability == cap]
	totals := {
		"calls": count(calls),
		"bytes": sum([c.bytes | some c in calls]),
	}
}

remaining(cap, key) := limits[cap][key] - used[cap][key]

within_budget if {
	cap := input.capability
	remaining(cap, "calls") > 0
	remaining(cap, "bytes") >= input.args.size
	not over_tokens
}

over_tokens if {
	input.capability == "llm.complete"
	tokens := to_number(input.args.max_tokens)
	tokens * 1.5 > limits["llm.complete"].tokens - 123456789012345678901234567890
}

report.summary := {name: {"remaining_calls": remaining(name, "calls")} | some name, _ in limits}

report.exceeded contains name if {
	some name
	used[name].calls > limits[name].calls
}
