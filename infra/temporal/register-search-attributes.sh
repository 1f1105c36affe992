#!/bin/sh
# One-shot run by docker-compose (service temporal-setup) and by the Helm chart (its temporal-setup
# hook Job), both from the temporalio/admin-tools image, after the Temporal server starts: waits
# until the server answers, creates the namespace if it is missing, then registers the
# search attributes the bill and mandate workflows set. Safe to run again: attributes already present are skipped,
# so `docker compose up` on an existing volume succeeds too.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
ATTEMPTS="${SETUP_ATTEMPTS:-60}"
# name:type pairs: the ones the bill and mandate workflows set (billSearchAttributes in
# packages/bills, mandateSearchAttributes in packages/mandates; a worker test checks that this list
# matches them).
ATTRIBUTES="${BILL_SEARCH_ATTRIBUTES:-BillStatus:Keyword BillCustomerId:Keyword BillPeriod:Keyword BillCurrency:Keyword BillPeriodNum:Int BillItemCount:Int BillTotalMinor:Int MandateCustomerId:Keyword MandateStatus:Keyword MandateNextCollection:Datetime}"

retry() {
  what="$1"
  shift
  attempt=1
  until "$@" >/dev/null 2>&1; do
    if [ "$attempt" -ge "$ATTEMPTS" ]; then
      echo "gave up waiting for $what after $ATTEMPTS attempts" >&2
      "$@" # run once more with its output visible, to show why
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
  echo "$what: ok"
}

retry "temporal at $ADDRESS" temporal operator cluster health --address "$ADDRESS"
# A new cluster has no namespace yet (the server image creates none): make ours, once. A namespace
# appears to every frontend a few seconds after it is created, so the describe below retries.
if ! temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "${NAMESPACE_RETENTION:-30d}" \
    || echo "namespace $NAMESPACE: create failed (made meanwhile by another run?); waiting for it"
fi
retry "namespace $NAMESPACE" temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE"

existing="$(temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE")"
for pair in $ATTRIBUTES; do
  name="${pair%%:*}"
  type="${pair#*:}"
  if printf '%s\n' "$existing" | grep -qw -- "$name"; then
    echo "search attribute $name already registered"
    continue
  fi
  temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
    --name "$name" --type "$type"
  echo "search attribute $name ($type) registered"
done
