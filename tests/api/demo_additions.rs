//! The demo's additions and corrections (`demo/additions.json`): how
//! indicators are collected and judged, corrected values, the stories behind
//! the curve, the CYPP 2006-09, the delivery partnerships, lead fixes and
//! the derived measures.
//!
//! Facts that use a word the API's vocabularies do not have yet (polarity
//! `none`, series `similar_authorities` and `national_target`, status
//! `forecast`, the derivation columns) are read from the database; the rest
//! through HTTP.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use trustplan::store::schema::{
    indicator_commentary, indicator_targets, indicator_values, indicators,
};
use trustplan::web::auth::Role;
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::indicators::indicator_id;

async fn column(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> (String, String, String, Option<String>) {
    indicators::table
        .filter(indicators::code.eq(code))
        .select((
            indicators::polarity,
            indicators::frequency,
            indicators::year_basis,
            indicators::oba_category,
        ))
        .first(conn)
        .await
        .unwrap_or_else(|e| panic!("{code}: {e}"))
}

async fn id_of(conn: &mut AsyncPgConnection, code: &str) -> Uuid {
    indicators::table
        .filter(indicators::code.eq(code))
        .select(indicators::id)
        .first(conn)
        .await
        .unwrap_or_else(|e| panic!("{code}: {e}"))
}

/// `(series, period, value, status)` of every value of `code`.
async fn values_of(conn: &mut AsyncPgConnection, code: &str) -> Vec<(String, String, f64, String)> {
    let id = id_of(conn, code).await;
    indicator_values::table
        .filter(indicator_values::indicator_id.eq(id))
        .order((indicator_values::period_starts_on, indicator_values::series))
        .select((
            indicator_values::series,
            indicator_values::period,
            indicator_values::value,
            indicator_values::status,
        ))
        .load(conn)
        .await
        .unwrap()
}

#[actix_web::test]
async fn indicators_carry_their_collection_and_judgement() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.db().await;
    // NI65's direction is unclear: tracked without a judgement.
    let (polarity, frequency, basis, oba) = column(&mut conn, "NI65").await;
    assert_eq!(
        (polarity.as_str(), frequency.as_str(), basis.as_str()),
        ("none", "quarterly", "financial")
    );
    assert_eq!(oba.as_deref(), Some("better_off"));
    // Results that come once a year.
    for code in ["NI101", "NI147", "NI148"] {
        let res = app
            .get(&format!("/api/v1/indicators?ref={code}"))
            .with_role(Role::Viewer)
            .send()
            .await;
        res.expect(200);
        assert_eq!(res.body["items"][0]["frequency"], "annual", "{code}");
        assert_eq!(column(&mut conn, code).await.1, "annual", "{code}");
    }
    assert_eq!(column(&mut conn, "NI101").await.2, "academic");
    assert_eq!(column(&mut conn, "NI147").await.2, "financial");
    // A snapshot at the inspection, and pooled years.
    let (_, frequency, basis, _) = column(&mut conn, "OM51").await;
    assert_eq!(
        (frequency.as_str(), basis.as_str()),
        ("one_off", "calendar")
    );
    assert_eq!(column(&mut conn, "OM12").await.2, "pooled_calendar_years");
    // The attainment rates behind a gap are higher-is-better.
    assert_eq!(column(&mut conn, "OM13").await.0, "higher_is_better");
    let facts: i64 = indicators::table
        .filter(indicators::oba_category.is_not_null())
        .filter(indicators::code.not_like("GAP-%"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(facts, 83, "every indicator and measure has its category");
}

#[actix_web::test]
async fn values_are_loaded_as_corrected() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.db().await;
    // OM55: the 2009 figure is a forecast, 2006/7 an actual.
    let om55 = values_of(&mut conn, "OM55").await;
    assert_eq!(
        om55,
        [
            (
                "area".into(),
                "FY2006-07".into(),
                1000.0,
                "validated".into()
            ),
            ("area".into(), "CY2009".into(), 1400.0, "forecast".into()),
        ]
    );
    // OM51: the 75% for 2006 is the national target series, not a target.
    let om51 = values_of(&mut conn, "OM51").await;
    assert!(om51.contains(&(
        "national_target".into(),
        "CY2006".into(),
        75.0,
        "validated".into()
    )));
    assert!(om51.contains(&("area".into(), "CY2008".into(), 79.0, "validated".into())));
    let om51_id = id_of(&mut conn, "OM51").await;
    let targets: i64 = indicator_targets::table
        .filter(indicator_targets::indicator_id.eq(om51_id))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        targets, 0,
        "no outcome measure has a target of Halton's own"
    );
    // The JAR's similar areas are similar authorities, not statistical neighbours.
    assert_eq!(
        values_of(&mut conn, "OM34").await,
        [
            ("area".into(), "FY2006-07".into(), 57.0, "validated".into()),
            (
                "similar_authorities".into(),
                "FY2006-07".into(),
                69.1,
                "validated".into()
            ),
        ]
    );
    // School-year measures are filed under school years: 2008 exams are AY2007-08.
    let om25 = values_of(&mut conn, "OM25").await;
    assert_eq!(om25.len(), 15);
    assert!(om25.iter().all(|v| v.1.starts_with("AY")), "{om25:?}");
    assert!(om25.contains(&("area".into(), "AY2007-08".into(), 71.0, "validated".into())));
    // Periods the record infers, and a part-year figure.
    assert_eq!(
        values_of(&mut conn, "OM41").await,
        [
            ("area".into(), "AY2004-05".into(), 89.0, "validated".into()),
            ("area".into(), "AY2006-07".into(), 93.0, "validated".into()),
        ]
    );
    assert!(values_of(&mut conn, "OM48").await.contains(&(
        "area".into(),
        "FY2007-08".into(),
        41.7,
        "provisional".into()
    )));
    assert!(values_of(&mut conn, "OM62").await.contains(&(
        "region".into(),
        "CY2007".into(),
        515.2,
        "validated".into()
    )));
    // OM50: one value for the year, the conflicting one kept as a note.
    let om50_id = id_of(&mut conn, "OM50").await;
    let om50: Vec<(String, f64, Option<String>)> = indicator_values::table
        .filter(indicator_values::indicator_id.eq(om50_id))
        .select((
            indicator_values::period,
            indicator_values::value,
            indicator_values::note,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(om50.len(), 1);
    assert_eq!((om50[0].0.as_str(), om50[0].1), ("CY2008", 88.0));
    assert!(om50[0].2.as_deref().unwrap().contains("62%"));
}

#[actix_web::test]
async fn the_stories_behind_the_curve_are_commentary() {
    let app = TestApp::spawn_with_demo().await;
    for (code, period, words) in [
        ("OM25", "AY2007-08", "71%"),
        ("OM26", "CY2007", "2.0%"),
        ("OM27", "AY2007-08", "92.46%"),
    ] {
        let id = indicator_id(&app, code).await;
        let res = app
            .get(&format!("/api/v1/indicators/{id}/commentary"))
            .with_role(Role::Viewer)
            .send()
            .await;
        res.expect(200);
        let items = res.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{code}");
        assert_eq!(items[0]["period"]["code"], period, "{code}");
        assert!(
            items[0]["overview"].as_str().unwrap().contains(words),
            "{code}"
        );
        for part in ["what_made_the_difference", "what_happens_next"] {
            assert!(
                items[0][part].as_str().is_some_and(|t| !t.is_empty()),
                "{code} {part}"
            );
        }
        assert_eq!(items[0]["author_sub"], "demo");
    }
    // The stories about inspection judgements have no indicator to sit on.
    let mut conn = app.db().await;
    let all: i64 = indicator_commentary::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(all, 3);
}

#[actix_web::test]
async fn the_cypp_follows_the_2006_09_plan() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .get("/api/v1/plans?code=CYPP-2009-11")
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["items"][0]["predecessor"]["code"], "CYPP-2006-09");
    let res = app
        .get("/api/v1/plans?code=CYPP-2006-09")
        .with_role(Role::Viewer)
        .send()
        .await;
    let old = &res.body["items"][0];
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["starts_on"], "2006-04-01");
    assert_eq!(old["ends_on"], "2009-03-31");
    assert_eq!(old["kind"], "cypp");
    assert!(old["predecessor"].is_null());
}

#[actix_web::test]
async fn the_delivery_partnerships_sit_under_the_trust_board() {
    let app = TestApp::spawn_with_demo().await;
    for code in [
        "SDP-A1", "SDP-A2", "SDP-A3", "SDP-A4", "14-19", "CIC-PB", "CWD-MT", "YJB",
    ] {
        let res = app
            .get(&format!("/api/v1/organisations?code={code}"))
            .with_role(Role::Viewer)
            .send()
            .await;
        res.expect(200);
        let o = &res.body["items"][0];
        assert_eq!(o["kind"], "partnership", "{code}");
        assert_eq!(o["parent"]["code"], "CTB", "{code}");
    }
    // Lead fixes: IA02 is Specialist Services' (with the Children in Care
    // board and the Executive Group), IA07 has the health partnership.
    let lead_codes = |area: &'static str| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/improvement-areas?code={area}"))
                .with_role(Role::Viewer)
                .send()
                .await;
            res.expect(200);
            let mut codes: Vec<String> = res.body["items"][0]["lead_organisations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["code"].as_str().unwrap().to_string())
                .collect();
            codes.sort();
            codes
        }
    };
    assert_eq!(lead_codes("IA02").await, ["CIC-PB", "CTEG", "HBC-SS"]);
    assert_eq!(lead_codes("IA07").await, ["PCT", "SDP-A3"]);
    assert_eq!(lead_codes("IA01").await, ["CIC-PB", "HBC-CYPD", "HBC-SS"]);
}

#[actix_web::test]
async fn the_derived_measures_name_their_sources() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.db().await;
    type Derived = (
        String,
        Option<String>,
        Option<Uuid>,
        Option<String>,
        Option<String>,
        Option<Uuid>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Derived> = indicators::table
        .filter(indicators::code.like("GAP-%"))
        .order(indicators::code)
        .select((
            indicators::code,
            indicators::derivation,
            indicators::source_indicator_id,
            indicators::source_series,
            indicators::source_breakdown,
            indicators::other_indicator_id,
            indicators::other_series,
            indicators::other_breakdown,
            indicators::baseline_period,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 16);
    let derived: Vec<&Derived> = rows.iter().filter(|r| r.1.is_some()).collect();
    assert_eq!(
        derived.len(),
        14,
        "GAP-13 and GAP-14 have no source or base"
    );
    let gap01 = &rows[0];
    assert_eq!(gap01.1.as_deref(), Some("gap"));
    assert_eq!(gap01.2, Some(id_of(&mut conn, "OM13").await));
    assert_eq!(
        (gap01.3.as_deref(), gap01.4.as_deref()),
        (Some("area"), None)
    );
    assert_eq!(gap01.5, Some(id_of(&mut conn, "OM13").await));
    assert_eq!(
        (gap01.6.as_deref(), gap01.7.as_deref()),
        (Some("area"), Some("Halton LSOA"))
    );
    let gap07 = &rows[6];
    assert_eq!(gap07.0, "GAP-07");
    assert_eq!(gap07.1.as_deref(), Some("change_from_baseline"));
    assert_eq!(gap07.2, Some(id_of(&mut conn, "SS LI8").await));
    assert!(gap07.5.is_none());
    assert_eq!(gap07.8.as_deref(), Some("FY2009-10"));
    let gaps = rows
        .iter()
        .filter(|r| r.1.as_deref() == Some("gap"))
        .count();
    assert_eq!(gaps, 6);
    // Their values are computed, never stored; their targets are.
    let ids: Vec<Uuid> = indicators::table
        .filter(indicators::code.like("GAP-%"))
        .select(indicators::id)
        .load(&mut conn)
        .await
        .unwrap();
    let stored: i64 = indicator_values::table
        .filter(indicator_values::indicator_id.eq_any(&ids))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let gap07_id = id_of(&mut conn, "GAP-07").await;
    let targets: Vec<(String, f64)> = indicator_targets::table
        .filter(indicator_targets::indicator_id.eq(gap07_id))
        .order(indicator_targets::period_starts_on)
        .select((indicator_targets::period, indicator_targets::value))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        targets,
        [
            ("FY2009-10".into(), -10.0),
            ("FY2010-11".into(), -15.0),
            ("FY2011-12".into(), -20.0)
        ]
    );
}

#[actix_web::test]
async fn loading_the_demo_again_adds_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.state.conn().await.unwrap();
    let again = trustplan::demo::load(&mut conn).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
}
