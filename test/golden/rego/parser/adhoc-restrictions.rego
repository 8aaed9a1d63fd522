package aiws.capabilities.restrictions

import rego.v1

# Ad-hoc restrictions an operator adds at run time, keyed by workflow name.
blocked_workflows := {"legacy-export", `scrape-*`}

restricted[wf] := reason if {
	some wf, entry in data.aiws.restrictions
	entry.until_ns > time.now_ns()
	reason := object.get(entry, "reason", "restricted by operator")
}

deny contains msg if {
	some pattern in blocked_workflows
	glob.match(pattern, [], input.workflow.name)
	msg := sprintf("workflow %q is blocked", [input.workflow.name])
}

deny contains msg if {
	reason := restricted[input.workflow.name]
	msg := concat(": ", ["restricted", reason])
}

deny contains "outside working hours" if {
	[hour, _, _] := time.clock([time.now_ns(), "UTC"])
	not hour_allowed(hour)
}

hour_allowed(h) if {
	h >= 6
	h < 22
}

every_step_signed if {
	every i, step in input.workflow.steps {
		step.signature != ""
		is_string(step.name)
		i >= 0
	}
}

severity := "high" if {
	count(deny) > 2
} else := "medium" if {
	count(deny) > 0
} else := "none"
