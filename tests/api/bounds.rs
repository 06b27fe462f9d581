//! Issue 29, bounded by design: ids that cannot run out. Each case on both
//! databases, the figures checked against sets computed here.

use std::collections::BTreeSet;

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::both_backends;
use crate::consent::{post, report};
use crate::helpers::{Db, TestApp, json as json_of};

both_backends!(
    settings = |s| s.answer_cells_max = 100;
    an_answer_over_the_cell_budget_is_a_422_saying_how_to_narrow_it,
);
both_backends!(
    settings = |s| s.answer_cells_at_once = 300;
    answers_being_written_share_one_budget_of_cells,
);
both_backends!(
    settings = |s| s.token_requests_at_once = 1;
    one_token_holds_at_most_its_share_of_requests_at_once,
);
both_backends!(
    participant_ids_past_two_to_the_32_keep_every_figure,
    re_posting_known_people_creates_no_participant_ids,
    duplicate_candidates_look_at_a_bounded_number_of_reports_per_page,
);

/// Past 2^32: the reach index keys people by their 64-bit id.
const PAST_U32: i64 = (1 << 32) + 100;

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn scalar(app: &TestApp, sql: &str) -> i64 {
    let rows: Vec<N> = diesel::sql_query(sql)
        .load(&mut *app.conn())
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0].n
}

/// The highest participant id handed out so far (the sequence on
/// PostgreSQL, which also counts values burnt by conflicts; the largest
/// rowid on SQLite, which never burns one).
fn last_participant_id(app: &TestApp) -> i64 {
    match app.db {
        Db::Postgres => scalar(app, "SELECT last_value AS n FROM participants_id_seq"),
        Db::Sqlite => scalar(app, "SELECT COALESCE(MAX(id), 0) AS n FROM participants"),
    }
}

/// Citizen ids `i` for `i` in `people`.
fn citizens(people: &BTreeSet<u32>) -> Vec<String> {
    people.iter().map(|i| format!("0012{i:08}")).collect()
}

fn range(a: u32, b: u32) -> BTreeSet<u32> {
    (a..b).collect()
}

async fn post_people(app: &TestApp, token: &str, ext: &str, people: &BTreeSet<u32>) {
    let ids = citizens(people);
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    post(
        app,
        token,
        &report(ext, "2025-03-10", people.len() as i64 + 5, &refs),
    )
    .await;
}

/// The agency rows' and totals' unique people, and the overlap's
/// combinations, from `app` as the viewer.
async fn figures(app: &TestApp) -> (Value, Value, Value) {
    let a = json_of(
        app.get("/api/v1/aggregates?group_by=agency", &app.viewer())
            .await,
        200,
    )
    .await;
    let people = |code: &str| {
        a["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agency"] == code)
            .map(|r| r["unique_participants"].clone())
            .unwrap_or(Value::Null)
    };
    let rows = json!({"police": people("police"), "womens-union": people("womens-union")});
    let o = json_of(app.get("/api/v1/reach/overlap", &app.viewer()).await, 200).await;
    let combos: Vec<Value> = o["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["agencies"], c["people"]]))
        .collect();
    (
        json!([a["meta"]["engine"], a["totals"]["unique_participants"]]),
        rows,
        json!([o["people"], combos]),
    )
}

/// Case 3: with the participant sequence past 2^32, the index answers
/// every figure exactly (and is rebuilt at start as well), the same as the
/// SQL path.
async fn participant_ids_past_two_to_the_32_keep_every_figure(app: TestApp) {
    app.seed_test_areas();
    match app.db {
        Db::Postgres => {
            scalar(
                &app,
                &format!("SELECT setval('participants_id_seq', {PAST_U32}) AS n"),
            );
        }
        Db::Sqlite => {
            diesel::sql_query(format!(
                "INSERT INTO participants (id, key) VALUES ({PAST_U32}, 'sequence-past-2^32')"
            ))
            .execute(&mut *app.conn())
            .unwrap();
        }
    }
    let (police, women) = (app.agency("police"), app.agency("womens-union"));
    let (a, b, c) = (range(0, 10), range(5, 15), range(12, 20));
    post_people(&app, &police, "a", &a).await;
    post_people(&app, &police, "b", &b).await;
    post_people(&app, &women, "c", &c).await;
    assert!(
        scalar(
            &app,
            "SELECT MIN(id) AS n FROM participants WHERE key <> 'sequence-past-2^32'"
        ) > 1 << 32,
        "the people got ids past 2^32"
    );
    // Ground truth.
    let police_people: BTreeSet<u32> = a.union(&b).copied().collect();
    let all: BTreeSet<u32> = police_people.union(&c).copied().collect();
    let both = police_people.intersection(&c).count() as i64;
    let expected = |engine: &str| {
        (
            json!([engine, all.len()]),
            json!({"police": police_people.len(), "womens-union": c.len()}),
            json!([
                all.len(),
                [
                    [["police"], police_people.len() as i64 - both],
                    [["womens-union"], c.len() as i64 - both],
                    [["police", "womens-union"], both],
                ]
            ]),
        )
    };
    let sort = |(e, r, o): (Value, Value, Value)| {
        let mut combos: Vec<Value> = o[1].as_array().unwrap().clone();
        combos.sort_by_key(|c| c[0].to_string());
        (e, r, json!([o[0], combos]))
    };
    assert_eq!(sort(figures(&app).await), sort(expected("index")));
    // Rebuilt from the database at start, and on the SQL path.
    let rebuilt = app.twin(|_| {}).await;
    assert_eq!(sort(figures(&rebuilt).await), sort(expected("index")));
    let sql = app.twin(|s| s.reach_index = false).await;
    assert_eq!(sort(figures(&sql).await), sort(expected("sql")));
    // A change after the rebuild is followed too.
    post_people(&app, &women, "d", &range(100, 103)).await;
    let after = json_of(rebuilt.get("/api/v1/aggregates", &app.viewer()).await, 200).await;
    assert_eq!(after["totals"]["unique_participants"], all.len() + 3);
}

/// Case 3: re-posting the same people (an update, or another event) looks
/// them up and creates no participant id; only new people take one.
async fn re_posting_known_people_creates_no_participant_ids(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let people = range(0, 50);
    post_people(&app, &police, "a", &people).await;
    let before = last_participant_id(&app);
    assert!(before >= 50);
    for i in 0..5 {
        post_people(&app, &police, &format!("again-{i}"), &people).await;
    }
    let mut more = people.clone();
    more.extend(range(50, 53));
    post_people(&app, &police, "more", &more).await;
    assert_eq!(
        last_participant_id(&app),
        before + 3,
        "only the three new people take ids"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM participants"), 53);
}

/// Case 1: a page of duplicate candidates looks at no more than 200 of the
/// caller's reports, however large the database or `limit`; walking the
/// pages still finds every pair exactly once. 450 police reports and one
/// women's union meeting of the same day and commune: every police report
/// has that one candidate; the women's union's report has 20 (its cap).
async fn duplicate_candidates_look_at_a_bounded_number_of_reports_per_page(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let w = post(&app, &wu, &report("w", "2025-03-10", 30, &[])).await;
    for chunk in 0..3 {
        let items: Vec<Value> = (0..150)
            .map(|i| report(&format!("p{chunk}-{i}"), "2025-03-10", 10, &[]))
            .collect();
        let out = json_of(
            app.post("/api/v1/events/batch", &police, &json!({ "items": items }))
                .await,
            200,
        )
        .await;
        assert_eq!(out["summary"]["created"], 150);
    }
    let walk = |token: String| {
        let app = &app;
        async move {
            let mut pages = Vec::new();
            let mut path = "/api/v1/events/duplicate-candidates?limit=500".to_string();
            loop {
                let page = json_of(app.get(&path, &token).await, 200).await;
                pages.push(page["items"].as_array().unwrap().clone());
                match page["next_cursor"].as_str() {
                    Some(c) => {
                        path = format!("/api/v1/events/duplicate-candidates?limit=500&cursor={c}")
                    }
                    None => break,
                }
                assert!(pages.len() < 20, "the walk ends");
            }
            pages
        }
    };
    let pages = walk(police.clone()).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [200, 200, 50], "200 reports looked at per page");
    let mut own: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|c| {
            assert_eq!(c["agency"], "police");
            assert_eq!(c["other_id"], w.as_str());
            c["event_id"].as_str().unwrap()
        })
        .collect();
    own.sort_unstable();
    own.dedup();
    assert_eq!(own.len(), 450, "every police report once");
    let pages = walk(wu.clone()).await;
    let theirs: Vec<&Value> = pages.iter().flatten().collect();
    assert_eq!(theirs.len(), 20, "the cap per report");
    assert!(theirs.iter().all(|c| c["event_id"] == w.as_str()));
    // An admin sees each pair once, the earlier report first: the women's
    // union's report is the earlier, with its 20.
    let admin = walk(app.admin()).await;
    assert_eq!(admin.iter().flatten().count(), 20);
}

/// One police meeting of 10 people on the 10th of each month of 2025.
async fn meeting_each_month_of_2025(app: &TestApp) {
    app.seed_test_areas();
    let items: Vec<Value> = (1..=12)
        .map(|m| report(&format!("m{m}"), &format!("2025-{m:02}-10"), 10, &[]))
        .collect();
    app.post_batch(&app.agency("police"), items).await;
}

/// Case 2: an aggregate answer over `ANSWER_CELLS_MAX` cells (rows plus
/// totals, times keys and measures) is refused before it is written, with
/// the way to narrow it; one within it is answered. 12 months of meetings
/// and 15 measures: by month, 13 rows x 16 columns = 208 cells (over 100);
/// by quarter 5 x 16 = 80, by agency 2 x 16 = 32.
async fn an_answer_over_the_cell_budget_is_a_422_saying_how_to_narrow_it(app: TestApp) {
    meeting_each_month_of_2025(&app).await;
    for path in [
        "/api/v1/aggregates?group_by=period:month",
        "/api/v1/aggregates.csv?group_by=period:month",
    ] {
        let p = crate::helpers::problem(app.get(path, &app.viewer()).await, 422).await;
        assert_eq!(crate::helpers::fields(&p), ["group_by"], "{path}");
        let text = p.to_string();
        assert!(
            text.contains("208 cells")
                && text.contains("over the limit of 100")
                && text.contains("narrow it"),
            "{text}"
        );
    }
    let ok = json_of(
        app.get("/api/v1/aggregates?group_by=agency", &app.viewer())
            .await,
        200,
    )
    .await;
    assert_eq!(ok["totals"]["events"], 12);
    let quarters = json_of(
        app.get("/api/v1/aggregates?group_by=period:quarter", &app.viewer())
            .await,
        200,
    )
    .await;
    assert_eq!(quarters["rows"].as_array().unwrap().len(), 4);
}

/// Case 2, the global cap: answers being written share one budget of
/// cells (`ANSWER_CELLS_AT_ONCE`, 300 here). With 200 of them held by
/// another answer being written (taken here from the service's own
/// budget), an answer by month (13 rows x 16 columns = 208 cells) waits,
/// then gets 503 with `Retry-After`, while a small one (by agency, 32
/// cells) goes through; once the other answer is written, the large one
/// is served.
async fn answers_being_written_share_one_budget_of_cells(app: TestApp) {
    meeting_each_month_of_2025(&app).await;
    let by_month = "/api/v1/aggregates?group_by=period:month";
    let months = json_of(app.get(by_month, &app.viewer()).await, 200).await;
    assert_eq!(months["rows"].as_array().unwrap().len(), 12);
    let other_answer = app.state.cells.take(200).await.unwrap();
    let waited = std::time::Instant::now();
    let resp = app.get(by_month, &app.viewer()).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert!(
        waited.elapsed() >= std::time::Duration::from_secs(4),
        "it waited for the cells first"
    );
    let small = json_of(
        app.get("/api/v1/aggregates?group_by=agency", &app.viewer())
            .await,
        200,
    )
    .await;
    assert_eq!(small["totals"]["events"], 12);
    drop(other_answer);
    let months = json_of(app.get(by_month, &app.viewer()).await, 200).await;
    assert_eq!(months["totals"]["attendances"], 12 * 10);
}

/// A token has at most `TOKEN_REQUESTS_AT_ONCE` requests handled at once
/// (1 here): its others wait for its own place, and with 4 running or
/// waiting the next get 429 with `Retry-After`, while another token is
/// served as usual. (So one caller never holds more than its share of the
/// database pool.)
async fn one_token_holds_at_most_its_share_of_requests_at_once(app: TestApp) {
    app.seed_test_areas();
    let (police, other_agency) = (app.agency("police"), app.agency("womens-union"));
    let items: Vec<Value> = (0..300)
        .map(|i| report(&format!("p{i}"), "2025-03-10", 10, &[]))
        .collect();
    let out = app.post_batch(&police, items).await;
    assert_eq!(out["summary"]["created"], 300);
    let burst = (0..16).map(|_| {
        let (app, police) = (&app, police.clone());
        async move {
            let resp = app
                .get("/api/v1/events/duplicate-candidates?limit=500", &police)
                .await;
            let retry = resp.headers().contains_key("retry-after");
            (resp.status().as_u16(), retry)
        }
    });
    let other = async {
        app.get("/api/v1/events?limit=5", &other_agency)
            .await
            .status()
            .as_u16()
    };
    let (answers, other) = futures_util::join!(futures_util::future::join_all(burst), other);
    let refused: Vec<_> = answers.iter().filter(|(s, _)| *s == 429).collect();
    let served = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(
        !refused.is_empty() && served >= 1,
        "16 at once with one place and a queue of 3: {answers:?}"
    );
    assert!(refused.iter().all(|(_, retry)| *retry), "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| [200, 429, 503].contains(s)),
        "{answers:?}"
    );
    assert_eq!(other, 200, "another token is served meanwhile");
    // The burst over, the token is served again.
    json_of(
        app.get("/api/v1/events/duplicate-candidates", &police)
            .await,
        200,
    )
    .await;
}
