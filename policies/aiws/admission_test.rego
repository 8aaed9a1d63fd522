# Unit tests of the admission policy (runs.start).
package aiws.admission_test

import data.aiws.admission

run(workflow, scopes) := {
	"principal": {"id": "alice", "scopes": scopes},
	"workflow": workflow,
	"run": {"id": "run-1", "callIndex": 0, "callCounts": {}},
	"time": {"nowNs": 1700000000000000000},
}

verified := {"name": "report", "version": "1.0.0", "digest": "sha256:0f", "verified": true, "adhoc": false, "declaredCapabilities": [], "tags": []}

unverified := object.union(verified, {"verified": false})

adhoc := object.union(verified, {"name": "adhoc", "version": null, "digest": "sha256:1a", "adhoc": true})

test_verified_store_workflow_is_admitted if {
	admission.decision == {"allow": true, "reasons": []} with input as run(verified, ["runs:start"])
}

test_unverified_needs_scope if {
	d := admission.decision with input as run(unverified, ["runs:start"])
	d.reasons == ["workflow \"report\" version \"1.0.0\" is not verified: running it needs the \"runs:unverified\" scope"]
	admission.decision.allow with input as run(unverified, ["runs:unverified"])
}

test_adhoc_needs_scope if {
	d := admission.decision with input as run(adhoc, ["runs:start"])
	d.reasons == ["ad-hoc code needs the \"runs:adhoc\" scope"]
	admission.decision.allow with input as run(adhoc, ["runs:adhoc"])
}
