# Capability policy: which hosts a workflow may reach with http.fetch.
package aiws.capabilities.http

import data.aiws.config.egress as egress

default allow := false

# Exact hosts and wildcard suffixes ("*.example.com") from the operator's allow-list.
allowed_host(host) if host in egress.hosts

allowed_host(host) if {
	some pattern in egress.wildcards
	glob.match(pattern, ["."], host)
}

allow if {
	input.capability == "http.fetch"
	url := input.args.url
	startswith(url, "https://")
	host := lower(input.args.host)
	allowed_host(host)
	not denied_port[input.args.port]
	count(reasons) == 0
}

denied_port contains p if {
	some p in [22, 25, 3306]
}

reasons contains msg if {
	input.args.method != "GET"
	not input.grants.write
	msg := $"method {input.args.method} needs the write grant"
}

reasons contains sprintf("private address %s", [input.args.ip]) if {
	some cidr in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
	net.cidr_contains(cidr, input.args.ip)
}

decision := {"allow": allow, "reasons": sort([r | some r in reasons])}
