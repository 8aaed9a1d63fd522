# Unit tests of the capability policy: `aiws policy test policies/` runs every test_ rule.
# Each test starts from a valid call (`base`) and changes one thing with `with` or object.union.
package aiws.capability_test

import data.aiws.capability

store_workflow := {
	"name": "billing-report",
	"version": "1.2.0",
	"digest": "sha256:0f",
	"verified": true,
	"adhoc": false,
	"declaredCapabilities": ["http.fetch", "kv.get", "kv.put", "fs.read"],
	"tags": [],
}

adhoc_workflow := object.union(store_workflow, {"name": "adhoc", "version": null, "adhoc": true})

base := {
	"principal": {"id": "alice", "scopes": ["runs:start"]},
	"workflow": store_workflow,
	"run": {"id": "run-1", "callIndex": 0, "callCounts": {}},
	"capability": {"name": "http.fetch", "args": {"url": "https://api.github.com/repos"}},
	"time": {"nowNs": 1700000000000000000},
}

call(name, args) := object.union(base, {"capability": {"name": name, "args": args}})

adhoc_call(scopes, name, args) := object.union(call(name, args), {"principal": {"id": "bob", "scopes": scopes}, "workflow": adhoc_workflow})

test_allows_declared_https_call_to_listed_host if {
	capability.decision == {"allow": true, "reasons": []} with input as base
}

test_allows_kv_get_without_url if {
	capability.decision.allow with input as call("kv.get", {"key": "k"})
}

test_denies_undeclared_capability if {
	d := capability.decision with input as call("fs.write", {"path": "a.txt", "content": "x"})
	not d.allow
	d.reasons == ["capability \"fs.write\" is not declared by workflow \"billing-report\""]
}

test_denies_plain_http if {
	d := capability.decision with input as call("http.fetch", {"url": "http://api.github.com/repos"})
	not d.allow
	d.reasons == ["egress over \"http\" is not allowed: allowed schemes are [\"https\"]"]
}

test_denies_host_not_on_allow_list if {
	d := capability.decision with input as call("http.fetch", {"url": "https://evil.test/steal"})
	d.reasons == ["egress to host \"evil.test\" is not allowed: it is not on the egress allow-list"]
}

test_host_match_ignores_case_port_and_userinfo if {
	capability.decision.allow with input as call("http.fetch", {"url": "HTTPS://user@API.GitHub.com:443/x?q=1"})
}

test_wildcard_matches_subdomains_only if {
	capability.decision.allow with input as call("http.fetch", {"url": "https://a.b.example.com/"})
	not capability.decision.allow with input as call("http.fetch", {"url": "https://example.com/"})
	not capability.decision.allow with input as call("http.fetch", {"url": "https://evilexample.com/"})
}

test_suffix_trick_is_denied if {
	not capability.decision.allow with input as call("http.fetch", {"url": "https://api.github.com.evil.test/"})
}

# The URL parser treats "\\" as "/": the real host here is evil.test, not api.github.com.
test_backslash_authority_trick_is_denied if {
	d := capability.decision with input as call("http.fetch", {"url": "https://evil.test\\@api.github.com/"})
	d.reasons == ["egress to host \"evil.test\" is not allowed: it is not on the egress allow-list"]
}

test_unparsable_url_is_denied if {
	d := capability.decision with input as call("http.fetch", {"url": "not a url"})
	d.reasons == ["egress to \"not a url\" is not allowed: the URL cannot be parsed"]
}

test_allow_list_comes_from_data if {
	input_ := call("http.fetch", {"url": "http://127.0.0.1:8080/x"})
	capability.decision.allow with input as input_ with data.aiws.settings.egress as {"schemes": ["http"], "hosts": ["127.0.0.1"]}
}

test_granted_secret_is_allowed if {
	capability.decision.allow with input as call("http.fetch", {"url": "https://api.github.com/", "headers": {"authorization": {"$secret": "billing-api"}}})
}

test_secret_not_granted_is_denied if {
	d := capability.decision with input as call("http.fetch", {"url": "https://api.github.com/", "body": {"$secret": "root-password"}})
	d.reasons == ["workflow \"billing-report\" may not use secret \"root-password\": it is not granted in the secrets settings"]
}

test_adhoc_get_allowed_with_scope if {
	capability.decision.allow with input as adhoc_call(["runs:adhoc"], "http.fetch", {"url": "https://api.github.com/", "method": "GET"})
}

test_adhoc_needs_scope if {
	d := capability.decision with input as adhoc_call(["runs:start"], "kv.get", {"key": "k"})
	d.reasons == ["ad-hoc code needs the \"runs:adhoc\" scope"]
}

test_adhoc_post_denied if {
	d := capability.decision with input as adhoc_call(["runs:adhoc"], "http.fetch", {"url": "https://api.github.com/", "method": "post", "body": "x"})
	d.reasons == ["ad-hoc code may only send GET requests, not \"POST\""]
}

test_adhoc_secret_denied if {
	d := capability.decision with input as adhoc_call(["runs:adhoc"], "http.fetch", {"url": "https://api.github.com/", "headers": {"x-key": {"$secret": "billing-api"}}})
	d.reasons == ["ad-hoc code may not use secrets: it references [\"billing-api\"]"]
}

test_budget_per_capability if {
	in_budget := object.union(base, {"run": {"id": "run-1", "callIndex": 49, "callCounts": {"http.fetch": 49}}})
	capability.decision.allow with input as in_budget
	spent := object.union(base, {"run": {"id": "run-1", "callIndex": 50, "callCounts": {"http.fetch": 50}}})
	d := capability.decision with input as spent
	d.reasons == ["call budget exhausted: this run already made 50 of its 50 \"http.fetch\" calls"]
}

test_budget_default_applies_to_unlisted_capabilities if {
	spent := object.union(call("kv.get", {"key": "k"}), {"run": {"id": "run-1", "callIndex": 100, "callCounts": {"kv.get": 100}}})
	not capability.decision.allow with input as spent
}

test_budget_total if {
	spent := object.union(call("kv.get", {"key": "k"}), {"run": {"id": "run-1", "callIndex": 1000, "callCounts": {"kv.put": 200, "kv.get": 10, "fs.read": 790}}})
	d := capability.decision with input as spent
	d.reasons == ["call budget exhausted: this run already made 1000 of its 1000 calls"]
}

test_every_reason_is_reported if {
	d := capability.decision with input as adhoc_call([], "http.fetch", {"url": "http://evil.test/", "method": "DELETE"})
	count(d.reasons) == 4
}

test_reasons_are_sorted if {
	d := capability.decision with input as adhoc_call([], "http.fetch", {"url": "http://evil.test/", "method": "DELETE"})
	d.reasons == sort(d.reasons)
}
