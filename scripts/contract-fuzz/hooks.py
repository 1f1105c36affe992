"""Schemathesis hooks for the contract fuzz: the rules no JSON Schema can state.

The OpenAPI document carries every rule that depends on one field alone. A few rules depend on
the time, on other fields, on stored state or on the rates provider, so a request that matches
the schema can still rightly be refused. For a *positive* case only (one the fuzzer sends as
valid and expects to be accepted), these hooks turn such a value into one the rule admits,
keeping everything else the fuzzer drew. Negative cases are never touched, and each rule here
is covered by the services' own tests.

Set by the runner: CONTRACT_FUZZ_URL (the gateway), CONTRACT_FUZZ_AUTHORIZATION (the admin key's
Authorization header value), CONTRACT_FUZZ_PUBLISHED (currencies the rates provider publishes,
comma-separated), CONTRACT_FUZZ_EXPONENTS (JSON: currency -> minor-unit digits),
CONTRACT_FUZZ_UNITS (JSON: registered non-fiat unit -> its digits).
"""

import datetime
import itertools
import json
import os
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, getcontext

import uuid

import requests
import schemathesis

GATEWAY = os.environ["CONTRACT_FUZZ_URL"]
AUTHORIZATION = {"Authorization": os.environ["CONTRACT_FUZZ_AUTHORIZATION"]}
# The hooks' own requests (reading a bill or a mandate, storing a profile) share one kept-alive
# connection, as the fuzzer's do, instead of a new session and TCP connection each.
GATEWAY_SESSION = requests.Session()
PUBLISHED = sorted(os.environ["CONTRACT_FUZZ_PUBLISHED"].split(","))
EXPONENTS = json.loads(os.environ["CONTRACT_FUZZ_EXPONENTS"])
# What wallets and the ledger hold: the currencies and the registered units.
LEDGER_EXPONENTS = {**EXPONENTS, **json.loads(os.environ["CONTRACT_FUZZ_UNITS"])}
LEDGER_CODES = sorted(LEDGER_EXPONENTS)
# Zones every IANA database has, some with odd offsets or DST rules.
TIME_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Australia/Lord_Howe"]
KEY_SERIAL = itertools.count(1)
# 14 integer digits times 14 more, with up to 16 decimals: exact, as the money package computes it.
getcontext().prec = 64
# Keys live as long as the gateway's records do, so a second run against the same stack needs its own.
RUN = uuid.uuid4().hex[:8]


def pick(options, value):
    """A stable choice among `options` for a drawn value, so a seed gives the same run."""
    return options[sum(str(value).encode()) % len(options)]


def is_positive(case):
    return case.meta is not None and case.meta.generation.mode.is_positive


def operation_id(case):
    return case.operation.definition.raw.get("operationId")


@schemathesis.hook
def map_case(context, case):
    if is_positive(case):
        admit(case)
    return case


@schemathesis.hook
def before_add_examples(context, examples):
    # The schema's own examples are valid by definition; they skip map_case.
    for case in examples:
        admit(case)
    examples.extend(free_text_cases(examples))


# Control characters in every string of every JSON body: schemathesis's generators draw them only
# by chance (the coverage phase tries lengths, types and pattern violations, never a NUL), and a
# NUL that reaches PostgreSQL is a 500. Each case changes one field of the operation's example; it
# carries no generation mode, so the checks that judge by the schema (positive or negative data)
# pass it by and the others (above all not_a_server_error) judge it. Unpaired surrogates are left
# to tests/system/test/free-text.test.ts: they cannot be encoded as the UTF-8 this client sends.
HOSTILE = ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b"]


def resolve(schema, root):
    while isinstance(schema, dict) and "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema if isinstance(schema, dict) else {}


def string_slots(schema, root, depth=0):
    """(path, value maker) for every string a body can hold, a hostile text in place of each."""
    schema = resolve(schema, root)
    if depth > 4:
        return
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from string_slots(branch, root, depth + 1)
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "string" in kinds and "enum" not in schema and "const" not in schema:
        yield ((), None)
    for name, sub in schema.get("properties", {}).items():
        for path, _ in string_slots(sub, root, depth + 1):
            yield ((name, *path), None)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for path, _ in string_slots(extra, root, depth + 1):
            yield (("k", *path), None)
    if "items" in schema:
        for path, _ in string_slots(schema["items"], root, depth + 1):
            yield ((0, *path), None)


def with_value(body, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{}]
        items[0] = with_value(items[0], rest, value)
        return items
    node = dict(body) if isinstance(body, dict) else {}
    node[head] = with_value(node.get(head), rest, value)
    return node


def free_text_cases(examples):
    cases = []
    for base in examples:
        if not isinstance(base.body, dict):
            continue
        raw = base.operation.definition.raw
        root = base.operation.schema.raw_schema
        schema = resolve(raw.get("requestBody", {}), root).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        seen = set()
        for path, _ in string_slots(schema, root):
            if path in seen or not path:
                continue
            seen.add(path)
            for text in HOSTILE:
                case = base.operation.Case(
                    path_parameters=dict(base.path_parameters or {}),
                    query=dict(base.query or {}) if base.query is not None else None,
                    headers=dict(base.headers or {}) if base.headers is not None else None,
                    body=with_value(base.body, path, text),
                    media_type=base.media_type,
                )
                unique_idempotency_key(case)
                cases.append(case)
        break
    return cases


def admit(case):
    # Every list's cursor is opaque: only a nextCursor the server issued is valid, so none is
    # invented, for any list (a new list needs no entry below for this).
    if case.query:
        case.query.pop("cursor", None)
    adjust = ADJUSTMENTS.get(operation_id(case))
    if adjust is not None:
        adjust(case)
    unique_idempotency_key(case)


def unique_idempotency_key(case):
    # A key is single-use: the same key with another request is a 422 by design, and the fuzzer
    # reuses the values it draws. A serial suffix keeps the drawn key and makes it unique.
    headers = case.headers or {}
    key = headers.get("idempotency-key")
    if isinstance(key, str):
        suffix = f"-{RUN}-{next(KEY_SERIAL)}"
        headers["idempotency-key"] = key[: 255 - len(suffix)] + suffix


def iso_currency(body):
    # A request's currency has only its shape in the schema, so that the service can say why a
    # code is refused (a registered non-fiat unit, not ISO 4217, not accepted on bills here).
    # Bills and mandates take the ISO 4217 codes the money package knows, every one of them by default.
    currency = body.get("currency")
    if isinstance(currency, str) and currency not in EXPONENTS:
        body["currency"] = pick(sorted(EXPONENTS), currency)


def open_period(case):
    # A bill is for the current month or a later one: a period that has ended is refused.
    body = case.body
    if not isinstance(body, dict):
        return
    iso_currency(body)
    period = body.get("billingPeriod")
    this_month = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")
    if isinstance(period, str) and period <= this_month:
        body["billingPeriod"] = f"{int(period[:4]) + 100}{period[4:]}"
    # Any name the runtime's time-zone database knows is accepted; the schema can only give its shape.
    zone = body.get("timeZone")
    if isinstance(zone, str) and zone not in TIME_ZONES:
        body["timeZone"] = pick(TIME_ZONES, zone)


def ordered_window(case):
    # `from` must not be after `to`.
    query = case.query or {}
    if isinstance(query.get("from"), str) and isinstance(query.get("to"), str) and query["from"] > query["to"]:
        query["from"], query["to"] = query["to"], query["from"]


def published_currencies(case):
    # Rates exist only for the currencies the configured provider publishes.
    for where in (case.path_parameters or {}, case.query or {}):
        for name in ("base", "quote"):
            if isinstance(where.get(name), str) and where[name] not in PUBLISHED:
                where[name] = pick(PUBLISHED, where[name])


def priced_for_the_bill(case):
    # An item's decimals depend on its currency, a foreign item needs a published rate, and
    # quantity x unitPrice must not round to zero: all depend on the bill, so it is read first.
    body = case.body
    params = case.path_parameters or {}
    if not isinstance(body, dict):
        return
    answer = GATEWAY_SESSION.get(f"{GATEWAY}/v1/customers/{params.get('customerId')}/bills/{params.get('billingPeriod')}", headers=AUTHORIZATION, timeout=10)
    if answer.status_code != 200:
        return
    bill_currency = answer.json()["currency"]
    currency = body.get("currency", bill_currency)
    if currency != bill_currency and (currency not in PUBLISHED or bill_currency not in PUBLISHED):
        body["currency"] = currency = bill_currency
    unit = Decimal(1).scaleb(-EXPONENTS[currency])
    if isinstance(body.get("amount"), str):
        amount = Decimal(body["amount"]).quantize(unit, rounding=ROUND_DOWN)
        body["amount"] = format(amount, "f") if amount > 0 else "1"
    elif isinstance(body.get("quantity"), str) and isinstance(body.get("unitPrice"), str):
        total = (Decimal(body["quantity"]) * Decimal(body["unitPrice"])).quantize(unit, rounding=ROUND_HALF_EVEN)
        if total <= 0:
            body["quantity"], body["unitPrice"] = "1", "1"


def local_date(text):
    try:
        return datetime.date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
    except ValueError:
        return None


def upcoming_date(text, earliest):
    """A real date on or after `earliest` (two days ahead of UTC today is today or later in every zone)."""
    parsed = local_date(text)
    if parsed is None or parsed < earliest:
        return earliest + datetime.timedelta(days=sum(str(text).encode()) % 400)
    return parsed


def mandate_terms(case):
    # A first collection must be a real day, today or later in the mandate's time zone; an end date
    # must not come before it; an amount's decimals depend on its currency; the time zone must be in
    # the runtime's database.
    body = case.body
    if not isinstance(body, dict):
        return
    earliest = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=2)
    first = upcoming_date(body.get("firstCollectionDate"), earliest)
    body["firstCollectionDate"] = first.isoformat()
    if "endDate" in body:
        body["endDate"] = max(upcoming_date(body["endDate"], earliest), first).isoformat()
    zone = body.get("timeZone")
    if isinstance(zone, str) and zone not in TIME_ZONES:
        body["timeZone"] = pick(TIME_ZONES, zone)
    iso_currency(body)
    currency = body.get("currency")
    if isinstance(body.get("amount"), str) and isinstance(currency, str) and currency in EXPONENTS:
        unit = Decimal(1).scaleb(-EXPONENTS[currency])
        amount = Decimal(body["amount"]).quantize(unit, rounding=ROUND_DOWN)
        body["amount"] = format(amount, "f") if amount > 0 else "1"


def mandate_change(case):
    # A changed amount must fit the currency (the new one, or the mandate's); an end date must be
    # today or later and not before the first collection, which the fuzzer cannot know: so the
    # change is taken against a mandate it has just created, whose first collection is known.
    body = case.body
    if not isinstance(body, dict):
        return
    earliest = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=2)
    if isinstance(body.get("endDate"), str):
        end = upcoming_date(body["endDate"], earliest) + datetime.timedelta(days=800)
        # A mandate the fuzzer created may start later than that (its first collection is drawn
        # too), so the end date is taken past the first collection the mandate actually has.
        params = case.path_parameters or {}
        answer = GATEWAY_SESSION.get(f"{GATEWAY}/v1/customers/{params.get('customerId')}/mandates/{params.get('mandateId')}", headers=AUTHORIZATION, timeout=10)
        first = local_date(answer.json().get("firstCollectionDate")) if answer.status_code == 200 else None
        if first is not None and end < first:
            end = first
        body["endDate"] = end.isoformat()
    if isinstance(body.get("amount"), str):
        body["amount"] = "1"
        iso_currency(body)
    elif "currency" in body:
        body.pop("currency")
        body.setdefault("description", "changed")


def future_resume(case):
    # A pause's resumeOn must be after today in the mandate's time zone.
    body = case.body
    if isinstance(body, dict) and "resumeOn" in body:
        earliest = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=2)
        body["resumeOn"] = upcoming_date(body["resumeOn"], earliest).isoformat()


def ledger_amount(case):
    # The schema admits any code shaped like a currency or unit and up to 36 decimals; the ledger
    # knows only the configured codes, and an amount may have no more decimals than its code has.
    body = case.body
    if not isinstance(body, dict):
        return
    currency = body.get("currency")
    if isinstance(currency, str) and currency not in LEDGER_EXPONENTS:
        body["currency"] = currency = pick(LEDGER_CODES, currency)
    if isinstance(body.get("amount"), str) and isinstance(currency, str):
        unit = Decimal(1).scaleb(-LEDGER_EXPONENTS[currency])
        amount = Decimal(body["amount"]).quantize(unit, rounding=ROUND_DOWN)
        body["amount"] = format(amount, "f") if amount > 0 else "1"


def transfer_between_two(case):
    # A transfer moves money between two wallets: from a customer to itself is refused.
    ledger_amount(case)
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("fromCustomerId"), str) and body.get("toCustomerId") == body["fromCustomerId"]:
        source = body["fromCustomerId"]
        body["toCustomerId"] = source[:-1] + ("a" if source[-1] != "a" else "b")


def refund_amount(case):
    # An amount must fit its currency's decimals and a stated currency must be one the ledger
    # knows. A currency comes only with an amount (dependentRequired), which the generator does not
    # honour, so a lone one is dropped. An amount without a currency is in the payment's; the
    # ledger service still refuses it before looking the payment up, so one is stated here.
    body = case.body
    if not isinstance(body, dict):
        return
    if "amount" not in body:
        body.pop("currency", None)
        return
    body.setdefault("currency", "USD")
    ledger_amount(case)


def webhook_endpoint(case):
    # Whether a URL may be called depends on where its host resolves, which no schema states. The
    # fuzz stack runs a worker that really sends deliveries, so a drawn URL becomes one on loopback
    # (the stack allows private URLs, as `npm start` does) at a port where nothing listens: every
    # delivery fails at once, and nothing leaves this machine. "*" stands for every type and must be
    # the only entry.
    body = case.body
    if not isinstance(body, dict):
        return
    if "url" in body:
        body["url"] = f"http://127.0.0.1:9/fuzz/{pick(range(1000), body['url'])}"
    events = body.get("events")
    if isinstance(events, list) and "*" in events and len(events) > 1:
        body["events"] = ["*"]


def metric_definition(case):
    # COUNT reads no property and every other aggregation reads one; a filter key appears once.
    body = case.body
    if not isinstance(body, dict):
        return
    if body.get("aggregation") == "COUNT":
        body.pop("field", None)
    elif not isinstance(body.get("field"), str):
        body["field"] = "n"
    filters = body.get("filters")
    if isinstance(filters, list):
        seen = set()
        kept = []
        for entry in filters:
            key = entry.get("key") if isinstance(entry, dict) else None
            if key not in seen:
                seen.add(key)
                kept.append(entry)
        body["filters"] = kept


def decimal_text(value, places):
    # A decimal string cut (never rounded up) to `places` decimals, and kept above zero.
    try:
        number = Decimal(str(value))
    except Exception:
        number = Decimal(1)
    number = abs(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    if number == 0:
        number = Decimal(1).scaleb(-places)
    return format(number, "f")


def price_terms(case):
    # Which fields a price takes depends on its model, and money fields take the currency's digits.
    body = case.body
    if not isinstance(body, dict):
        return
    iso_currency(body)
    digits = EXPONENTS.get(body.get("currency"), 2)
    model = body.get("model")
    if model == "PER_UNIT":
        for field in ("tiers", "packageSize", "packagePrice"):
            body.pop(field, None)
        body["unitPrice"] = decimal_text(body.get("unitPrice", "0.01"), 10)
    elif model in ("GRADUATED", "VOLUME"):
        for field in ("unitPrice", "packageSize", "packagePrice"):
            body.pop(field, None)
        tiers = body.get("tiers") if isinstance(body.get("tiers"), list) and body.get("tiers") else [{}]
        for index, tier in enumerate(tiers):
            tier = tier if isinstance(tier, dict) else {}
            tier["upTo"] = None if index == len(tiers) - 1 else str(10 * (index + 1))
            tier["unitPrice"] = decimal_text(tier.get("unitPrice", "0.01"), 10)
            if "flatFee" in tier:
                tier["flatFee"] = decimal_text(tier["flatFee"], digits)
            tiers[index] = tier
        body["tiers"] = tiers
    elif model == "PACKAGE":
        for field in ("unitPrice", "tiers"):
            body.pop(field, None)
        body["packageSize"] = decimal_text(body.get("packageSize", "10"), 6)
        body["packagePrice"] = decimal_text(body.get("packagePrice", "1"), digits)


def parse_instant(text):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def usage_window(case):
    # The window is half-open and must not be empty; by default it is the current month.
    query = case.query or {}
    now = datetime.datetime.now(datetime.timezone.utc)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    start = parse_instant(query["from"]) if "from" in query else month
    end = parse_instant(query["to"]) if "to" in query else next_month
    if start is not None and end is not None and start.tzinfo is not None and end.tzinfo is not None and start >= end:
        query.pop("from", None)
        query.pop("to", None)


def customer_profile(case):
    # A profile's time zone must be one the server knows and its currency one bills take; the
    # schema can give only their shapes. A PATCH needs a profile to change: one is stored first
    # (a PUT of just the legal name), so the case reaches the update rather than a 404.
    body = case.body
    if not isinstance(body, dict):
        return
    iso_currency(body)
    zone = body.get("timeZone")
    if isinstance(zone, str) and zone not in TIME_ZONES:
        body["timeZone"] = pick(TIME_ZONES, zone)
    if operation_id(case) == "updateCustomer":
        customer = (case.path_parameters or {}).get("customerId")
        GATEWAY_SESSION.put(f"{GATEWAY}/v1/customers/{customer}", json={"legalName": "Fuzz profile"}, headers=AUTHORIZATION, timeout=10)


ADJUSTMENTS = {
    "putCustomer": customer_profile,
    "updateCustomer": customer_profile,
    "createMetric": metric_definition,
    "setMetricPrice": price_terms,
    "setCustomerPrice": price_terms,
    "getCustomerUsage": usage_window,
    "createMandate": mandate_terms,
    "updateMandate": mandate_change,
    "pauseMandate": future_resume,
    "createBill": open_period,
    "listBills": ordered_window,
    "listRates": published_currencies,
    "getRate": published_currencies,
    "addLineItem": priced_for_the_bill,
    "topUpWallet": ledger_amount,
    "withdrawFromWallet": ledger_amount,
    "createTransfer": transfer_between_two,
    "createAdjustment": ledger_amount,
    "refundPayment": refund_amount,
    "createWebhookEndpoint": webhook_endpoint,
    "updateWebhookEndpoint": webhook_endpoint,
}


# The event stream never ends, so it is left out of the generated cases (run.ts). Its messages are
# still held to the document: once every phase is done, the stream of a few customers whose
# events the run listed is read from the start until it has caught up with their listed events,
# and each message's data must be valid against the schema the document declares for
# text/event-stream (the Event union, each event by the schema of its type).
STREAM_CUSTOMERS = 3
STREAM_EVENTS_PER_CUSTOMER = 50


def sse_messages(response):
    """(id, event, data) of each message of a text/event-stream body, comments skipped."""
    message = {}
    for raw in response.iter_lines(decode_unicode=True):
        line = raw if isinstance(raw, str) else raw.decode()
        if line == "":
            if "data" in message:
                yield message
            message = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            message[field] = f"{message[field]}\n{value}" if field == "data" and "data" in message else value


@schemathesis.check
class event_stream_conformance:
    """Every message of GET /v1/events/stream is valid against its declared schema."""

    def __init__(self):
        self.customers = set()
        self.document = None

    def after_response(self, ctx, response, case):
        if operation_id(case) != "listEvents" or response.status_code != 200:
            return
        self.document = case.operation.schema.raw_schema
        for item in response.json().get("items", []):
            if isinstance(item, dict) and isinstance(item.get("customerId"), str):
                self.customers.add(item["customerId"])

    def after_run(self, ctx):
        import jsonschema_rs

        if self.document is None or not self.customers:
            raise AssertionError("the run listed no events, so no event stream was read")
        declared = self.document["paths"]["/v1/events/stream"]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
        validator = jsonschema_rs.Draft202012Validator({**declared, "components": self.document["components"]})
        checked = 0
        for customer in sorted(self.customers)[:STREAM_CUSTOMERS]:
            listed = GATEWAY_SESSION.get(f"{GATEWAY}/v1/events", params={"customerId": customer, "limit": STREAM_EVENTS_PER_CUSTOMER},
                                  headers=AUTHORIZATION, timeout=10).json()["items"]
            wanted = len(listed)
            with requests.get(f"{GATEWAY}/v1/events/stream", params={"customerId": customer}, headers=AUTHORIZATION,
                              stream=True, timeout=10) as stream:
                if stream.status_code != 200 or not stream.headers.get("content-type", "").startswith("text/event-stream"):
                    raise AssertionError(f"the stream of {customer} answered {stream.status_code} {stream.headers.get('content-type')}")
                for index, message in enumerate(sse_messages(stream)):
                    data = json.loads(message["data"])
                    errors = [error.message for error in validator.iter_errors(data)]
                    if errors:
                        raise AssertionError(f"stream message {message.get('id')} ({message.get('event')}) breaks the schema: {errors[:3]}")
                    if message.get("id") != data.get("id") or message.get("event") != data.get("type"):
                        raise AssertionError(f"stream message id/event {message.get('id')}/{message.get('event')} differ from its data")
                    checked += 1
                    if index + 1 >= wanted:
                        break
        if checked == 0:
            raise AssertionError("no event stream message was read")
        print(f"event stream: {checked} messages of {min(len(self.customers), STREAM_CUSTOMERS)} customers valid against the document", flush=True)
