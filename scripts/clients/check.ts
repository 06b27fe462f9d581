// Type-checked with `tsc --strict` against the types openapi-typescript
// generates from openapi/openapi.json (scripts/clients.sh): the bodies and
// answers an integrator writes must be expressible, and wrong ones must not.
import type { components, paths } from "./api";

type EventInput = components["schemas"]["EventInput"];
type AggregateRow = components["schemas"]["AggregateRow"];
type AggregateAnswer = components["schemas"]["AggregateAnswer"];

const event: EventInput = {
  external_id: "WU-2024-0042",
  kind: "law_dissemination",
  title: "Tuyên truyền Luật Phòng, chống mua bán người",
  topics: ["human_trafficking"],
  start_date: "2024-03-08",
  end_date: "2024-03-08",
  area_code: "00004",
  attendance: { total: 45, female: 38 },
  participants: [{ id_type: "citizen_id", value: "001203004005" }],
};

// @ts-expect-error: the document requires a title (and more).
const incomplete: EventInput = { external_id: "x", kind: "other", topics: [], start_date: "2024-01-01", end_date: "2024-01-01", area_code: "01", attendance: { total: 1 } };

function uniquePeople(answer: AggregateAnswer): number | undefined {
  // The totals, never a sum of rows.
  return answer.totals?.unique_participants;
}

function rowEvents(row: AggregateRow): number | undefined {
  return row.suppressed ? undefined : row.events;
}

type OverlapAnswer = components["schemas"]["OverlapAnswer"];
type FrequencyAnswer = components["schemas"]["FrequencyAnswer"];

function sharedWithPolice(answer: OverlapAnswer): number {
  // Pairs count people reached by both; suppressed cells have no number.
  return answer.pairs
    .filter((p) => p.a === "police" || p.b === "police")
    .reduce((n, p) => n + (p.both ?? 0), 0);
}

function reachedOnce(answer: FrequencyAnswer): number | null | undefined {
  return answer.buckets.find((b) => b.events === 1)?.people;
}

type BatchBody = paths["/api/v1/events/batch"]["post"]["requestBody"]["content"]["application/json"];
const batch: BatchBody = { items: [event] };

export { batch, incomplete, reachedOnce, rowEvents, sharedWithPolice, uniquePeople };
