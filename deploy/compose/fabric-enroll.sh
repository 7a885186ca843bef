#!/bin/sh
# Enrolls, from the domain's own Fabric CA(s), the identities its Fabric nodes run as, each with an
# MSP folder and a TLS certificate, plus each organisation's admin and its org-level MSP, and the
# domain's client identity for its ledger bridge's wallet. Used by both compose files: the
# operator's (orderers of OrdererMSP, peer0 of OperatorMSP) and a member's (its peer0). Layout, as the
# native stack's:
#   /crypto/<org>/<node>/{msp,tls/{server.crt,server.key,ca.crt}}
#   /crypto/<org>/users/admin/{msp,tls/{client.crt,client.key}}, /crypto/<org>/msp
#   /crypto/wallet/<MSP id>.json   (the ledger bridge's identity: { mspId, certificatePem, privateKeyPem })
# ENROLL: one "<org> <node> <type> <host> <CA host:port>" per line. WALLET: "<org> <MSP id>".
# Passwords come from the domain's Compose secrets (/run/secrets), never from the environment.
# Runs once: a later run finds /crypto/.enrolled and stops.
set -eu

CRYPTO=${CRYPTO:-/crypto}
CAS=${CAS:-/cas}
if [ -f "$CRYPTO/.enrolled" ]; then
  echo "fabric-enroll: crypto material already present"
  exit 0
fi

CA_ADMIN_PASSWORD=${CA_ADMIN_PASSWORD:-$(cat /run/secrets/ca-admin-password)}
NODE_SECRET=${NODE_SECRET:-$(cat /run/secrets/node-secret)}
: "${ENROLL:?ENROLL is required (one \"<org> <node> <type> <host> <CA host:port>\" per line)}"

# NodeOUs let an MSP tell admins, peers, orderers and clients apart by certificate OU.
node_ous() {
  cat > "$1/config.yaml" <<YAML
NodeOUs:
  Enable: true
  ClientOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: client
  PeerOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: peer
  AdminOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: admin
  OrdererOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: orderer
YAML
}

# Stable file names, so configuration can point at cacerts/ca.pem.
normalise_msp() {
  mv "$1"/cacerts/*.pem "$1/cacerts/ca.pem.tmp"
  rm -f "$1"/cacerts/*.pem
  mv "$1/cacerts/ca.pem.tmp" "$1/cacerts/ca.pem"
  node_ous "$1"
}

# enroll_org <org slug> <node name> <node type> <host name of the node> <CA host:port>
enroll_org() {
  org=$1 node=$2 type=$3 host=$4 address=$5
  ca="ca-$org"
  tlsca="$CAS/$org/tls-cert.pem"
  url="https://$address"
  dir="$CRYPTO/$org"
  client() { fabric-ca-client "$@" --caname "$ca" --tls.certfiles "$tlsca"; }
  register() {
    # Registering twice fails; a rerun after a partial failure must not.
    client register -H "$dir/ca-admin" -u "$url" --id.name "$1" --id.secret "$NODE_SECRET" --id.type "$2" \
      || echo "fabric-enroll: $1 already registered at $ca"
  }

  client enroll -H "$dir/ca-admin" -u "https://admin:$CA_ADMIN_PASSWORD@$address"
  register "$node" "$type"
  register "${org}admin" admin

  client enroll -H "$dir/$node/.client" -u "https://$node:$NODE_SECRET@$address" -M "$dir/$node/msp"
  normalise_msp "$dir/$node/msp"

  client enroll -H "$dir/$node/.client-tls" -u "https://$node:$NODE_SECRET@$address" -M "$dir/$node/tls-msp" \
    --enrollment.profile tls --csr.hosts "$host,localhost"
  mkdir -p "$dir/$node/tls"
  cp "$dir/$node/tls-msp/signcerts/cert.pem" "$dir/$node/tls/server.crt"
  cp "$dir"/"$node"/tls-msp/keystore/* "$dir/$node/tls/server.key"
  cp "$dir"/"$node"/tls-msp/tlscacerts/* "$dir/$node/tls/ca.crt"

  client enroll -H "$dir/users/admin/.client" -u "https://${org}admin:$NODE_SECRET@$address" -M "$dir/users/admin/msp"
  normalise_msp "$dir/users/admin/msp"
  # The admin's TLS client certificate: the orderer's admin endpoint requires mutual TLS.
  client enroll -H "$dir/users/admin/.client-tls" -u "https://${org}admin:$NODE_SECRET@$address" \
    -M "$dir/users/admin/tls-msp" --enrollment.profile tls
  mkdir -p "$dir/users/admin/tls"
  cp "$dir/users/admin/tls-msp/signcerts/cert.pem" "$dir/users/admin/tls/client.crt"
  cp "$dir"/users/admin/tls-msp/keystore/* "$dir/users/admin/tls/client.key"

  # The organisation's MSP as channel configuration references it.
  mkdir -p "$dir/msp/cacerts" "$dir/msp/tlscacerts"
  cp "$dir/$node/msp/cacerts/ca.pem" "$dir/msp/cacerts/ca.pem"
  cp "$dir/$node/tls/ca.crt" "$dir/msp/tlscacerts/ca.pem"
  node_ous "$dir/msp"
}

# write_wallet <org slug> <MSP id> <CA host:port>: a client identity, as the bridge's FileWallet reads it.
write_wallet() {
  org=$1 msp=$2 address=$3
  ca="ca-$org"
  dir="$CRYPTO/$org/users/client"
  fabric-ca-client register -H "$CRYPTO/$org/ca-admin" -u "https://$address" --caname "$ca" --tls.certfiles "$CAS/$org/tls-cert.pem" \
    --id.name "${org}client" --id.secret "$NODE_SECRET" --id.type client || echo "fabric-enroll: ${org}client already registered at $ca"
  fabric-ca-client enroll -H "$dir/.client" -u "https://${org}client:$NODE_SECRET@$address" --caname "$ca" --tls.certfiles "$CAS/$org/tls-cert.pem" -M "$dir/msp"
  mkdir -p "$CRYPTO/wallet"
  json() { awk 'BEGIN { ORS = "" } { gsub(/"/, "\\\""); print $0 "\\n" }' "$1"; }
  printf '{"mspId":"%s","certificatePem":"%s","privateKeyPem":"%s"}' "$msp" "$(json "$dir"/msp/signcerts/cert.pem)" "$(json "$dir"/msp/keystore/*)" > "$CRYPTO/wallet/$msp.json"
  chmod 600 "$CRYPTO/wallet/$msp.json"
}

echo "$ENROLL" | while read -r org node type host address; do
  [ -n "$org" ] && enroll_org "$org" "$node" "$type" "$host" "$address"
done
if [ -n "${WALLET:-}" ]; then
  # shellcheck disable=SC2086 # "<org> <MSP id> <CA host:port>"
  write_wallet $WALLET
fi
# The Fabric nodes run as other users than this container's; the wallet stays the bridge's (uid 1000, node).
chmod -R a+rX "$CRYPTO"
if [ -d "$CRYPTO/wallet" ]; then chown -R 1000:1000 "$CRYPTO/wallet"; chmod 700 "$CRYPTO/wallet"; chmod 600 "$CRYPTO"/wallet/*; fi
touch "$CRYPTO/.enrolled"
echo "fabric-enroll: done"
