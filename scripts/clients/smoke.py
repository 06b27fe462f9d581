"""Smoke run of the generated Python client against a running service
(scripts/clients.sh starts it): two agencies post events and a batch, a
co-organiser confirms its claim, a link is proposed and approved, and a
dashboard reads the aggregates as JSON and as CSV (with pandas). Every
figure is checked against values computed here from what was posted."""

import datetime
import io
import os
import sys

import pandas as pd

from campaign_tracker_client import AuthenticatedClient
from campaign_tracker_client.api.aggregates import aggregates_query, aggregates_query_csv
from campaign_tracker_client.api.reach import reach_frequency, reach_overlap, reach_overlap_csv
from campaign_tracker_client.api.claims import claims_confirm, claims_list
from campaign_tracker_client.api.events import events_batch, events_create
from campaign_tracker_client.api.links import events_link, link_proposals_approve, link_proposals_get
from campaign_tracker_client.models import (
    Attendance, BatchBody, ClaimStatus, EventInput, IdType, Kind, ParticipantInput, SameAsBody, Topic,
)

BASE = os.environ["BASE_URL"]
DAY = datetime.date(2025, 8, 1)
AREA = "00004"  # Phường Ba Đình, valid from 2025-07-01 (shipped units)


def client(token: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=BASE, token=token, raise_on_unexpected_status=True)


def event(ext: str, total: int, people: list[int], co: list[str] | None = None) -> EventInput:
    return EventInput(
        external_id=ext, kind=Kind.COMMUNITY_MEETING, title=ext, topics=[Topic.HUMAN_TRAFFICKING],
        start_date=DAY, end_date=DAY, area_code=AREA, attendance=Attendance(total=total),
        co_organizers=co or [],
        participants=[ParticipantInput(id_type=IdType.CITIZEN_ID, value=f"0012{p:08d}") for p in people],
    )


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"smoke: FAILED: {what}", file=sys.stderr)
        sys.exit(1)


police, women, viewer = client(os.environ["POLICE"]), client(os.environ["WOMEN"]), client(os.environ["VIEWER"])

# Police: a joint meeting with the women's union (10 people: 1, 2).
joint = events_create.sync_detailed(client=police, body=event("joint", 10, [1, 2], ["womens-union"]))
check(joint.status_code == 201, f"create joint: {joint.status_code} {joint.content!r}")
# Women's union: its own report of another meeting (20 people: 2, 3).
w = events_create.sync_detailed(client=women, body=event("w-meeting", 20, [2, 3]))
check(w.status_code == 201, f"create w: {w.status_code}")
# Police, in a batch: the same meeting as the women's union's (15: 3, 4) and another (5: 5).
batch = events_batch.sync_detailed(
    client=police, body=BatchBody(items=[event("p-meeting", 15, [3, 4]), event("p-other", 5, [5])])
)
check(batch.status_code == 200, f"batch: {batch.status_code} {batch.content!r}")
items = batch.parsed.items
check([i.status.value for i in items] == ["created", "created"], f"batch items: {items}")
p_meeting = items[0].id

# The women's union confirms the claim naming it, at the version it read.
claims = claims_list.sync(client=women, status=ClaimStatus.PENDING)
check(len(claims.items) == 1, f"pending claims: {claims}")
claim = claims.items[0]
confirmed = claims_confirm.sync(claim.event.id, "womens-union", client=women, if_match=f'"{claim.event.version}"')
check(confirmed.status == ClaimStatus.CONFIRMED, f"confirm: {confirmed}")

# Police proposes that its report and the women's are one meeting; the women's
# union reads the proposal and agrees to that revision of its figures.
# Ids are typed as UUIDs (`format: uuid`); a body field takes their text.
proposed = events_link.sync_detailed(p_meeting, client=police, body=SameAsBody(other_id=str(w.parsed.id)))
check(proposed.status_code == 202, f"propose: {proposed.status_code} {proposed.content!r}")
proposal = link_proposals_get.sync(proposed.parsed.proposal.id, client=women)
check(proposal.waiting_for == ["womens-union"], f"waiting for: {proposal.waiting_for}")
unnamed = link_proposals_approve.sync_detailed(proposal.id, client=women, if_match='"1"')
check(unnamed.status_code == 412, f"approve a stale revision: {unnamed.status_code}")
approved = link_proposals_approve.sync_detailed(proposal.id, client=women, if_match=f'"{proposal.revision}"')
check(approved.status_code == 200, f"approve: {approved.status_code} {approved.content!r}")

# Ground truth: real events joint {1,2} 10; w+p-meeting {2,3,4} max(20,15); p-other {5} 5.
expected_totals = {"events": 3, "attendances": 10 + 20 + 5, "unique_participants": 5, "identified_attendances": 2 + 3 + 1}
expected_rows = {"police": {"events": 3, "unique_participants": 5}, "womens-union": {"events": 2, "unique_participants": 4}}

answer = aggregates_query.sync(client=viewer, group_by="agency")
for name, value in expected_totals.items():
    check(getattr(answer.totals, name) == value, f"totals.{name}: {getattr(answer.totals, name)} != {value}")
rows = {r.agency: r for r in answer.rows}
for agency, measures in expected_rows.items():
    for name, value in measures.items():
        check(getattr(rows[agency], name) == value, f"{agency}.{name}: {getattr(rows[agency], name)} != {value}")
check(not any(r.suppressed for r in answer.rows), "nothing suppressed for a viewer")

csv = aggregates_query_csv.sync_detailed(client=viewer, group_by="agency")
check(csv.status_code == 200, f"csv: {csv.status_code}")
frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8")))
check(list(frame["row_type"]) == ["row", "row", "total"], f"row types: {list(frame['row_type'])}")
total = frame[frame["row_type"] == "total"].iloc[0]
for name, value in expected_totals.items():
    check(int(total[name]) == value, f"CSV total {name}: {total[name]} != {value}")
check(pd.api.types.is_numeric_dtype(frame["unique_participants"]), "measures read as numbers")
check(frame[frame["row_type"] == "row"]["unique_participants"].sum() > total["unique_participants"],
      "the rows double count people: the totals line is the figure to use")
check(answer.totals.first_time_participants == 5, f"first-time: {answer.totals.first_time_participants}")

# Codes stay text (issue 29): pandas as is reads the province code 01 as
# "01", since the totals line says TOTAL in every key column.
csv = aggregates_query_csv.sync_detailed(client=viewer, group_by="area:province,period:quarter")
frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8")))
rows = frame[frame["row_type"] == "row"]
check(list(rows["province"]) == ["01"], f"province codes as text: {list(frame['province'])}")
check(list(rows["period"]) == ["2025-Q3"], f"periods: {list(frame['period'])}")
check(list(frame[frame["row_type"] == "total"][["province", "period"]].iloc[0]) == ["TOTAL", "TOTAL"],
      "TOTAL in every key column")
# The HXL variant passes libhxl's validation against the HXL dictionary's
# types (dates, numbers) as is.
import hxl
import hxl.input
hxl_csv = aggregates_query_csv.sync_detailed(client=viewer, group_by="area:province,period:month,kind", hxl=True)
check(hxl_csv.status_code == 200, f"hxl: {hxl_csv.status_code}")
problems = []
dataset = lambda text: hxl.data(hxl.input.make_input(io.BytesIO(text)))
valid = hxl.schema(None, callback=lambda e: problems.append(f"{e.message} {e.value!r}")).validate(
    dataset(hxl_csv.content))
check(valid and not problems, f"libhxl: {problems}")
tags = [c.display_tag for c in dataset(hxl_csv.content).columns]
check(tags[:5] == ["#meta+row_type", "#adm1+code", "#adm1+name", "#date+month", "#activity+type"], f"tags: {tags}")
# A tool that sums an HXL column leaves the totals lines out by their tag:
# the rows kept by `#meta+row_type=row` add up to the totals line.
rows_only = dataset(hxl_csv.content).with_rows("#meta+row_type=row")
summed = sum(int(row.get("#reached+total")) for row in rows_only)
totals_line = [row for row in dataset(hxl_csv.content) if row.get("#meta+row_type") == "total"]
check(len(totals_line) == 1 and int(totals_line[0].get("#reached+total")) == summed,
      f"HXL rows sum to the total: {summed} vs {[r.get('#reached+total') for r in totals_line]}")
quarters = aggregates_query_csv.sync_detailed(client=viewer, group_by="period:quarter,target_group", hxl=True)
problems.clear()
valid = hxl.schema(None, callback=lambda e: problems.append(f"{e.message} {e.value!r}")).validate(
    dataset(quarters.content))
check(valid and not problems, f"libhxl (quarters, target groups): {problems}")

# Reach: people 1-4 were at events of both agencies (the joint event, the
# linked meeting), person 5 only at the police's; person 2 at two events.
overlap = reach_overlap.sync(client=viewer)
combos = {tuple(c.agencies): c.people for c in overlap.combinations}
check(overlap.people == 5 and combos == {("police", "womens-union"): 4, ("police",): 1}, f"overlap: {overlap}")
check([(p.a, p.b, p.both) for p in overlap.pairs] == [("police", "womens-union", 4)], f"pairs: {overlap.pairs}")
frequency = reach_frequency.sync(client=viewer)
check([b.people for b in frequency.buckets][:3] == [4, 1, 0], f"buckets: {frequency.buckets}")
check(frequency.buckets[9].events_at_least == 10, "the last bucket is open-ended")
check(abs(frequency.mean_events_per_person - 1.2) < 1e-9, f"mean: {frequency.mean_events_per_person}")
csv = reach_overlap_csv.sync_detailed(client=viewer)
frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8")))
check(list(frame["row_type"]) == ["combination", "combination", "pair", "total"], f"overlap CSV: {frame}")
check(int(frame[frame["row_type"] == "total"].iloc[0]["people"]) == 5, "overlap CSV total")
# A publication's CSV as pandas reads it (issue 29): the admin locks the
# month and publishes a table by kind and one by province; codes stay text
# because no key cell is empty (a table not split by a key says TOTAL).
from campaign_tracker_client.api.periods import periods_lock
from campaign_tracker_client.api.publications import publications_get_csv, publications_publish
from campaign_tracker_client.models import LockRequest, PublishRequest, TableSpec

admin = client(os.environ["ADMIN"])
month = DAY.strftime("%Y-%m")
periods_lock.sync_detailed(client=admin, body=LockRequest(period=month, reason="smoke"))
published = publications_publish.sync_detailed(client=admin, body=PublishRequest(
    title="smoke", period=month, tables=[TableSpec(group_by="kind"), TableSpec(group_by="area:province")]))
check(published.status_code in (200, 201), f"publish: {published.status_code} {published.content[:300]!r}")
csv = publications_get_csv.sync_detailed(client=viewer, period=month)
check(csv.status_code == 200, f"publication CSV: {csv.status_code}")
frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8")))
check(not frame["province"].isna().any(), f"no empty province cell: {list(frame['province'])}")
by_province = frame[(frame["table"] == "area:province") & (frame["row_type"] == "row")]
check(list(by_province["province"]) == ["01"], f"publication province codes as text: {list(frame['province'])}")
by_kind = frame[(frame["table"] == "kind") & (frame["row_type"] == "row")]
check(set(by_kind["province"]) == {"TOTAL"}, f"a table not split by province: {list(by_kind['province'])}")
print("smoke: ok (client calls, claim, link, aggregates, overlap and frequency, JSON and CSV, a publication's CSV checked)")
