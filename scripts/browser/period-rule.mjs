// The picker's periods under both reporting rules (run by browser.sh with
// node, before the browser): the dates each named period covers, written
// here from the rules themselves (calendar months; Decree 09/2019/NĐ-CP's
// months from the 15th of the month before to the 14th).
import assert from "node:assert/strict";
import { boundsOf, codeBounds, namedOf, setRule } from "../../dashboard/period.js";

const cases = {
  calendar: [
    [["quarter", 2024, 3], ["2024-07-01", "2024-09-30"]],
    [["half", 2024, 1], ["2024-01-01", "2024-06-30"]],
    [["nine", 2024, null], ["2024-01-01", "2024-09-30"]],
    [["year", 2024, null], ["2024-01-01", "2024-12-31"]],
  ],
  "decree-09": [
    [["quarter", 2024, 3], ["2024-06-15", "2024-09-14"]],
    [["quarter", 2025, 1], ["2024-12-15", "2025-03-14"]],
    [["half", 2024, 2], ["2024-06-15", "2024-12-14"]],
    [["nine", 2024, null], ["2023-12-15", "2024-09-14"]],
    [["year", 2025, null], ["2024-12-15", "2025-12-14"]],
  ],
};
for (const [rule, list] of Object.entries(cases)) {
  setRule(rule);
  for (const [[kind, year, part], dates] of list) {
    assert.deepEqual(boundsOf(kind, year, part), dates, `${rule} ${kind} ${year} ${part}`);
    assert.deepEqual(namedOf(...dates), { kind, year, part: part ?? null }, `${rule} ${dates}`);
  }
}
setRule("decree-09");
assert.deepEqual(codeBounds("2024-03"), ["2024-02-15", "2024-03-14"]);
assert.deepEqual(codeBounds("2024-Q3"), ["2024-06-15", "2024-09-14"]);
assert.equal(namedOf("2024-07-01", "2024-09-30"), null);
setRule("calendar");
assert.deepEqual(codeBounds("2024-02"), ["2024-02-01", "2024-02-29"]);
assert.equal(namedOf("2024-06-15", "2024-09-14"), null);
console.log("browser: the picker's periods hold under both reporting rules");
