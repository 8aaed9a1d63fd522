# aiws capability policy: decides every capability call a workflow makes.
#
# Entrypoint: data.aiws.capability.decision -> {"allow": bool, "reasons": [string]}
# Input: see docs/policy.md (principal, workflow, run, capability, time).
# Data: policies/aiws/settings/*.yaml, merged into data.aiws.settings.
#
# Every rule below adds a reason to `deny`; a call is allowed when no rule fires. Reasons are
# sentences the workflow author sees in the POLICY_DENIED error, so they say what to change.
package aiws.capability

import data.aiws.settings

decision := {"allow": count(deny) == 0, "reasons": sort(deny)}

# --- Declared capabilities -------------------------------------------------------------------
# A workflow may only call what it declared (store manifest or runs.start {capabilities}).

declared if input.capability.name in input.workflow.declaredCapabilities

deny contains msg if {
	not declared
	msg := sprintf("capability %q is not declared by workflow %q", [input.capability.name, input.workflow.name])
}

# --- Egress ----------------------------------------------------------------------------------
# http.fetch only to allow-listed hosts, only over the allowed schemes (https by default).
# The host enforces the network protections (no private addresses) on its own; this is the
# allow-list on top.

is_http if input.capability.name == "http.fetch"

# scheme://[userinfo@]host — the host is lower-cased; an IPv6 literal keeps its brackets.
# A backslash ends the authority, as in the URL parser http.fetch uses (WHATWG: "\" is "/" for
# http and https), so "https://evil.test\@api.github.com/" is evil.test here too.
url_parts := regex.find_all_string_submatch_n(`^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#\\]*@)?(\[[^\]/?#\\]*\]|[^:/?#\\]*)`, input.capability.args.url, 1)[0]

scheme := lower(url_parts[1])

host := lower(url_parts[2])

deny contains msg if {
	is_http
	not url_parts
	msg := sprintf("egress to %q is not allowed: the URL cannot be parsed", [input.capability.args.url])
}

deny contains msg if {
	is_http
	not scheme in settings.egress.schemes
	msg := sprintf("egress over %q is not allowed: allowed schemes are %v", [scheme, settings.egress.schemes])
}

deny contains msg if {
	is_http
	host
	not host_allowed
	msg := sprintf("egress to host %q is not allowed: it is not on the egress allow-list", [host])
}

# An exact host, or a "*.example.com" entry matching any subdomain (not example.com itself).
host_allowed if host in settings.egress.hosts

host_allowed if {
	some pattern in settings.egress.hosts
	startswith(pattern, "*.")
	endswith(host, trim_prefix(pattern, "*"))
}

# --- Secrets ---------------------------------------------------------------------------------
# Names of the {"$secret": name} references anywhere in the arguments.

secret_refs contains name if {
	walk(input.capability.args, [_, value])
	is_object(value)
	name := value["$secret"]
}

deny contains msg if {
	not input.workflow.adhoc
	some name in secret_refs
	not name in object.get(settings.secrets, input.workflow.name, [])
	msg := sprintf("workflow %q may not use secret %q: it is not granted in the secrets settings", [input.workflow.name, name])
}

# --- Ad-hoc code -----------------------------------------------------------------------------
# Code sent with runs.start rather than taken from the store: only for principals with the
# runs:adhoc scope, GET-only http, and no secrets at all.

deny contains "ad-hoc code needs the \"runs:adhoc\" scope" if {
	input.workflow.adhoc
	not "runs:adhoc" in input.principal.scopes
}

deny contains msg if {
	input.workflow.adhoc
	is_http
	method := upper(object.get(input.capability.args, "method", "GET"))
	method != "GET"
	msg := sprintf("ad-hoc code may only send GET requests, not %q", [method])
}

deny contains msg if {
	input.workflow.adhoc
	count(secret_refs) > 0
	msg := sprintf("ad-hoc code may not use secrets: it references %v", [sort(secret_refs)])
}

# --- Budgets ---------------------------------------------------------------------------------
# run.callCounts holds the calls already allowed in this run, per capability.

budget := object.get(settings.budgets.perCapability, input.capability.name, settings.budgets.default)

used := object.get(input.run.callCounts, input.capability.name, 0)

deny contains msg if {
	used >= budget
	msg := sprintf("call budget exhausted: this run already made %d of its %d %q calls", [used, budget, input.capability.name])
}

deny contains msg if {
	total := sum([n | some n in input.run.callCounts])
	total >= settings.budgets.total
	msg := sprintf("call budget exhausted: this run already made %d of its %d calls", [total, settings.budgets.total])
}
