#!/bin/sh
# gen-dev-certs.sh OUTDIR: a development CA and a server certificate for
# pactad (SAN localhost and 127.0.0.1), both ECDSA P-256.
#
#   OUTDIR/ca.pem, OUTDIR/ca.key          dev CA, 10 years
#   OUTDIR/server.pem, OUTDIR/server.key  server cert signed by the CA, 825 days
#
# Idempotent: existing files are kept as long as the server certificate still
# verifies against the CA (and for localhost); otherwise what is missing or
# stale is regenerated.  Quiet unless it creates something.  Keys are 0600.
# These are for development and tests only: never put them in the repo.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
command -v openssl >/dev/null 2>&1 || {
    echo "$0: openssl not found" >&2
    exit 1
}
mkdir -p "$out"
umask 077

ca_pem=$out/ca.pem
ca_key=$out/ca.key
srv_pem=$out/server.pem
srv_key=$out/server.key

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The server cert is usable when it chains to the CA, names localhost and is
# not about to expire (a day of margin).
server_ok() {
    [ -s "$ca_pem" ] && [ -s "$srv_pem" ] && [ -s "$srv_key" ] || return 1
    openssl verify -CAfile "$ca_pem" -verify_hostname localhost -purpose sslserver \
        "$srv_pem" >/dev/null 2>&1 || return 1
    openssl x509 -in "$srv_pem" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    # The key must belong to the certificate.
    a=$(openssl x509 -in "$srv_pem" -noout -pubkey 2>/dev/null) || return 1
    b=$(openssl pkey -in "$srv_key" -pubout 2>/dev/null) || return 1
    [ "$a" = "$b" ]
}

ca_ok() {
    [ -s "$ca_pem" ] && [ -s "$ca_key" ] || return 1
    openssl x509 -in "$ca_pem" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    a=$(openssl x509 -in "$ca_pem" -noout -pubkey 2>/dev/null) || return 1
    b=$(openssl pkey -in "$ca_key" -pubout 2>/dev/null) || return 1
    [ "$a" = "$b" ]
}

if server_ok && ca_ok; then
    chmod 600 "$ca_key" "$srv_key"
    exit 0
fi

created=""
if ! ca_ok; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca.key" 2>/dev/null
    openssl req -new -x509 -sha256 -key "$tmp/ca.key" -days 3650 \
        -subj "/O=PACTA development/CN=PACTA dev CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$tmp/ca.pem" 2>/dev/null
    mv "$tmp/ca.key" "$ca_key"
    mv "$tmp/ca.pem" "$ca_pem"
    created="CA"
fi

cat >"$tmp/ext.cnf" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/server.key" 2>/dev/null
openssl req -new -sha256 -key "$tmp/server.key" -subj "/O=PACTA development/CN=localhost" \
    -out "$tmp/server.csr" 2>/dev/null
openssl x509 -req -sha256 -in "$tmp/server.csr" -CA "$ca_pem" -CAkey "$ca_key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -days 825 -extfile "$tmp/ext.cnf" \
    -out "$tmp/server.pem" 2>/dev/null
mv "$tmp/server.key" "$srv_key"
mv "$tmp/server.pem" "$srv_pem"
chmod 600 "$ca_key" "$srv_key"
chmod 644 "$ca_pem" "$srv_pem"
created=${created:+$created and }"server certificate"
echo "gen-dev-certs: created $created in $out"
