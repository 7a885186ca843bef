package main

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Domain is what a file's top-level `x-datawell` block declares.
type Domain struct {
	Kind string // "operator" or "member"
	Name string // "operator", or the member's MSP id
	MSP  string // the MSP id its Fabric nodes and ledger bridge use
}

// Labels every service carries: its domain (as in x-datawell) and its role in the domain.
const (
	labelDomain    = "io.datawell.domain"
	labelRole      = "io.datawell.role"
	labelChaincode = "io.datawell.chaincode"
	labelPeer      = "io.datawell.peer"
)

// The roles each kind of domain may run (DESIGN.md, "Services … and where they run"), the ones it
// must run, and the chaincodes each of its peers needs a server for.
var (
	allowedRoles = map[string][]string{
		"operator": {"postgres", "redis", "kafka", "kafka-admin", "ca", "enroll", "orderer", "peer", "chaincode", "ledger-bridge", "marketplace", "negotiation", "mpc-coordinator"},
		"member":   {"postgres", "redis", "ca", "enroll", "peer", "chaincode", "ledger-bridge", "provisioner", "telemetry"},
	}
	requiredRoles = map[string][]string{
		"operator": {"postgres", "redis", "kafka", "ca", "orderer", "peer", "chaincode", "ledger-bridge", "marketplace", "negotiation", "mpc-coordinator"},
		"member":   {"postgres", "redis", "ca", "peer", "chaincode", "ledger-bridge", "provisioner", "telemetry"},
	}
	peerChaincodes = map[string][]string{
		"operator": {"marketplace"},
		"member":   {"marketplace", "dao"},
	}
	// Datawell's own services: they talk to Kafka and PostgreSQL with this domain's credentials.
	datawellRoles = []string{"ledger-bridge", "marketplace", "negotiation", "mpc-coordinator", "provisioner", "telemetry"}
)

// Variables the checks read (services/*/src/config.ts, libs/config; the SASL and mode variables are
// the ones the compose files document).
const (
	varBridgeMember   = "LEDGER_BRIDGE_MEMBER_MSP_ID"
	varBridgePeer     = "LEDGER_BRIDGE_PEER_ENDPOINT"
	varPeerMSP        = "CORE_PEER_LOCALMSPID"
	varTofuBinary     = "PROVISIONER_TOFU_BINARY"
	varPostgresURL    = "DATAWELL_POSTGRES_URL"
	varRedisURL       = "DATAWELL_REDIS_URL"
	varKafkaCreds     = "DATAWELL_KAFKA_CREDENTIALS_FILE"
	secretPgPassword  = "PGPASSWORD"
	secretsFolderName = "secrets"
)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func env(s types.ServiceConfig, name string) string {
	if v, ok := s.Environment[name]; ok && v != nil {
		return *v
	}
	return ""
}

func readDomain(p *types.Project) (Domain, error) {
	raw, ok := p.Extensions["x-datawell"].(map[string]any)
	if !ok {
		return Domain{}, fmt.Errorf("no x-datawell block (kind: operator|member, domain, msp)")
	}
	str := func(k string) string { v, _ := raw[k].(string); return strings.TrimSpace(v) }
	d := Domain{Kind: str("kind"), Name: str("domain"), MSP: str("msp")}
	if d.Kind != "operator" && d.Kind != "member" {
		return d, fmt.Errorf("x-datawell.kind is %q, not operator or member", d.Kind)
	}
	if d.MSP == "" {
		return d, fmt.Errorf("x-datawell.msp is empty")
	}
	if d.Kind == "operator" && d.Name != "operator" {
		return d, fmt.Errorf("an operator file's x-datawell.domain must be operator, not %q", d.Name)
	}
	if role := str("role"); d.Kind == "member" && role != "DSP" && role != "VSP" {
		return d, fmt.Errorf("x-datawell.role of a member is %q, not DSP or VSP", role)
	}
	if d.Kind == "member" && (d.Name == "" || d.Name == "operator" || d.Name != d.MSP) {
		return d, fmt.Errorf("a member file's x-datawell.domain must be its MSP id (%q), not %q", d.MSP, d.Name)
	}
	return d, nil
}

// checkTopology returns every reason the project cannot run as the domain it declares.
func checkTopology(p *types.Project) (Domain, []string) {
	d, err := readDomain(p)
	if err != nil {
		return d, []string{err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	names := make([]string, 0, len(p.Services))
	byRole := map[string][]string{}
	for name, s := range p.Services {
		names = append(names, name)
		byRole[s.Labels[labelRole]] = append(byRole[s.Labels[labelRole]], name)
	}
	sort.Strings(names)
	for _, list := range byRole {
		sort.Strings(list)
	}
	role := func(name string) string { return p.Services[name].Labels[labelRole] }

	for _, name := range names {
		s := p.Services[name]
		if got := s.Labels[labelDomain]; got != d.Name {
			add("service %s is labelled %s=%q, not this file's domain %q", name, labelDomain, got, d.Name)
		}
		if r := role(name); !contains(allowedRoles[d.Kind], r) {
			add("service %s has role %q, which a %s domain does not run", name, r, d.Kind)
		}
		for target := range s.DependsOn {
			if _, ok := p.Services[target]; !ok {
				add("service %s depends on %s, which is not a service of this file", name, target)
			}
		}
	}
	for _, r := range requiredRoles[d.Kind] {
		if len(byRole[r]) == 0 {
			add("a %s domain needs a %s service (label %s=%s) and has none", d.Kind, r, labelRole, r)
		}
	}

	// Each ledger bridge reaches a peer of its own domain, in its domain's mode and identity.
	for _, name := range byRole["ledger-bridge"] {
		s := p.Services[name]
		// A member's bridge names its member; the operator's names none (it acts as the operator).
		member := env(s, varBridgeMember)
		switch {
		case d.Kind == "member" && member != d.MSP:
			add("ledger bridge %s acts as %s=%q, not this domain's MSP %q", name, varBridgeMember, member, d.MSP)
		case d.Kind != "member" && member != "":
			add("ledger bridge %s is the operator's but sets %s=%q (a member's mode)", name, varBridgeMember, member)
		}
		endpoint := env(s, varBridgePeer)
		if endpoint == "" {
			add("ledger bridge %s has no peer (%s is unset)", name, varBridgePeer)
			continue
		}
		host, _, _ := strings.Cut(endpoint, ":")
		peer, ok := p.Services[host]
		switch {
		case !ok || role(host) != "peer":
			add("ledger bridge %s reaches %s, which is not a peer of domain %s", name, endpoint, d.Name)
		case env(peer, varPeerMSP) != d.MSP:
			add("ledger bridge %s reaches peer %s of MSP %q, not its own %q", name, host, env(peer, varPeerMSP), d.MSP)
		default:
			if _, waits := s.DependsOn[host]; !waits {
				add("ledger bridge %s does not depend on its peer %s", name, host)
			}
		}
	}

	// Each peer has a chaincode server (chaincode as a service) for every chaincode it runs.
	for _, peer := range byRole["peer"] {
		if msp := env(p.Services[peer], varPeerMSP); msp != d.MSP {
			add("peer %s runs as MSP %q, not this domain's %q", peer, msp, d.MSP)
		}
		for _, cc := range peerChaincodes[d.Kind] {
			found := false
			for _, server := range byRole["chaincode"] {
				s := p.Services[server]
				if s.Labels[labelPeer] == peer && s.Labels[labelChaincode] == cc {
					found = true
					if !strings.Contains(strings.Join(s.Command, " "), "--module-path chaincode/"+cc) {
						add("chaincode server %s does not serve chaincode/%s (--module-path)", server, cc)
					}
				}
			}
			if !found {
				add("peer %s has no chaincode server for %s (a service with %s=chaincode, %s=%s, %s=%s)", peer, cc, labelRole, labelChaincode, cc, labelPeer, peer)
			}
		}
	}

	// The provisioner's image has the OpenTofu binary its settings name.
	for _, name := range byRole["provisioner"] {
		if problem := checkTofu(p.Services[name]); problem != "" {
			add("provisioner %s: %s", name, problem)
		}
	}

	// The domain's services use its own PostgreSQL, Redis and Kafka principal.
	for _, name := range names {
		s := p.Services[name]
		if !contains(datawellRoles, role(name)) {
			continue
		}
		for variable, want := range map[string]string{varPostgresURL: "postgres", varRedisURL: "redis"} {
			raw := env(s, variable)
			if raw == "" {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil || u.Hostname() == "" {
				add("service %s: %s is not a URL with a host", name, variable)
			} else if role(u.Hostname()) != want {
				add("service %s: %s reaches %s, not a %s service of domain %s", name, variable, u.Hostname(), want, d.Name)
			}
		}
		if env(s, varPostgresURL) == "" {
			add("service %s has no %s", name, varPostgresURL)
		}
		// Its Kafka principal's credentials are a secret of this domain (checked below), never a plain file.
		if creds := env(s, varKafkaCreds); !strings.HasPrefix(creds, "/run/secrets/") || !hasSecretTarget(s, path.Base(creds)) {
			add("service %s: %s=%q is not one of its secrets in /run/secrets", name, varKafkaCreds, creds)
		}
		if !hasSecretTarget(s, secretPgPassword) {
			add("service %s gets no secret %s", name, secretPgPassword)
		}
	}

	// Secrets and bind mounts: only this domain's folder, secrets/<domain>/.
	for _, name := range sortedKeys(p.Secrets) {
		secret := p.Secrets[name]
		if secret.File == "" {
			add("secret %s is not a file of secrets/%s/ (environment or external secrets are not checked)", name, d.Name)
			continue
		}
		if owner := secretOwner(secret.File); owner != d.Name {
			add("secret %s is %s, a file of domain %q, not of %q", name, secret.File, owner, d.Name)
		}
	}
	for _, name := range names {
		for _, v := range p.Services[name].Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if owner := secretOwner(v.Source); owner != "" && owner != d.Name {
				add("service %s mounts %s, a secret folder of domain %q", name, v.Source, owner)
			}
		}
	}
	return d, problems
}

func hasSecretTarget(s types.ServiceConfig, target string) bool {
	for _, ref := range s.Secrets {
		t := ref.Target
		if t == "" {
			t = ref.Source
		}
		if filepath.Base(t) == target {
			return true
		}
	}
	return false
}

// secretOwner is the domain whose secret folder holds file (…/secrets/<domain>/…), or "".
func secretOwner(file string) string {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(file)), "/")
	if parts[len(parts)-1] == secretsFolderName {
		return "(every domain)"
	}
	for i := len(parts) - 2; i >= 0; i-- {
		if parts[i] == secretsFolderName {
			return parts[i+1]
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
