#!/bin/sh
# gen-client-cert.sh OUTDIR NAME: a client certificate for pactad's mTLS mode
# (--client-ca OUTDIR/ca.pem), issued by the dev CA that gen-dev-certs.sh made
# in OUTDIR.  Writes OUTDIR/NAME.pem and OUTDIR/NAME.key (0600), ECDSA P-256,
# clientAuth, CN=NAME, 825 days.  For development and tests only.
set -eu
if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
    echo "usage: $0 OUTDIR NAME" >&2
    exit 2
fi
out=$1
name=$2
case $name in
*/* | .*) echo "$0: bad NAME '$name'" >&2; exit 2 ;;
esac
[ -s "$out/ca.pem" ] && [ -s "$out/ca.key" ] || {
    echo "$0: no dev CA in $out (run certs/gen-dev-certs.sh $out first)" >&2
    exit 1
}
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/ext.cnf" <<'CNF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
CNF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/c.key" 2>/dev/null
openssl req -new -sha256 -key "$tmp/c.key" -subj "/O=PACTA development/CN=$name" \
    -out "$tmp/c.csr" 2>/dev/null
openssl x509 -req -sha256 -in "$tmp/c.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -days 825 -extfile "$tmp/ext.cnf" \
    -out "$tmp/c.pem" 2>/dev/null
mv "$tmp/c.key" "$out/$name.key"
mv "$tmp/c.pem" "$out/$name.pem"
chmod 644 "$out/$name.pem"
echo "gen-client-cert: created $out/$name.pem"
