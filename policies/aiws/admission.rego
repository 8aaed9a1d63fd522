# aiws admission policy: decides whether a run may start at all (runs.start).
#
# Entrypoint: data.aiws.admission.decision -> {"allow": bool, "reasons": [string]}
# Input: the capability input without `capability` (principal, workflow, run, time); see docs/policy.md.
package aiws.admission

decision := {"allow": count(deny) == 0, "reasons": sort(deny)}

has_scope(scope) if scope in input.principal.scopes

# Ad-hoc code (sent with runs.start rather than taken from the store).
deny contains "ad-hoc code needs the \"runs:adhoc\" scope" if {
	input.workflow.adhoc
	not has_scope("runs:adhoc")
}

# Store workflows whose signature or digest did not verify.
deny contains msg if {
	not input.workflow.adhoc
	not input.workflow.verified
	not has_scope("runs:unverified")
	msg := sprintf("workflow %q version %q is not verified: running it needs the \"runs:unverified\" scope", [input.workflow.name, input.workflow.version])
}
