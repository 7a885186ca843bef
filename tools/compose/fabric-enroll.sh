#!/bin/sh
# Enrolls, from each organisation's Fabric CA, the identities docker-compose.yml's Fabric nodes run
# as: orderer0 (OrdererMSP) and peer0 (OperatorMSP), each with an MSP folder and a TLS certificate,
# plus each organisation's admin and its org-level MSP. Writes the layout the native stack uses:
#   /crypto/<org>/<node>/{msp,tls/{server.crt,server.key,ca.crt}}
#   /crypto/<org>/users/admin/{msp,tls/{client.crt,client.key}}, /crypto/<org>/msp
# Runs once: a later run finds /crypto/.enrolled and stops.
# CRYPTO, CAS (the CAs' home folders, for their TLS certificates), ORDERER_CA_ADDRESS and
# OPERATOR_CA_ADDRESS default to the Compose layout; overriding them runs it against other CAs.
set -eu

CRYPTO=${CRYPTO:-/crypto}
CAS=${CAS:-/cas}
if [ -f "$CRYPTO/.enrolled" ]; then
  echo "fabric-enroll: crypto material already present"
  exit 0
fi

: "${CA_ADMIN_PASSWORD:?CA_ADMIN_PASSWORD is required}"
: "${NODE_SECRET:?NODE_SECRET is required}"

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

enroll_org orderer orderer0 orderer orderer "${ORDERER_CA_ADDRESS:-ca-orderer:7054}"
enroll_org operator peer0 peer peer0-operator "${OPERATOR_CA_ADDRESS:-ca-operator:7054}"
# The Fabric nodes and the ledger bridge run as other users than this container's.
chmod -R a+rX "$CRYPTO"
touch "$CRYPTO/.enrolled"
echo "fabric-enroll: done"
