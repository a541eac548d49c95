//! One layout for every report and snapshot: a report becomes a [`Doc`]
//! (sections of paragraphs, tables and charts), which is written as a
//! printable HTML page or as CSV, so a stored snapshot renders as it did
//! the day it was signed off.

use std::fmt::Write as _;

use super::annual::{AnnualReview, ImprovementReport};
use super::quarterly::{QuarterlyReport, ReportDeliverable, ReportException, ReportNarrative};
use super::Report;
use crate::web::error::{ApiError, ApiResult};

/// A table cell: text, or a word the partnership prints as a symbol.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// A red/amber/green status word.
    Rag(String),
    /// A direction of travel word.
    Direction(String),
    /// A deliverable status word.
    Status(String),
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Rag(s) | Cell::Direction(s) | Cell::Status(s) => s,
        }
    }
}

/// A small line chart: actuals and targets by period.
#[derive(Debug, Clone)]
pub struct Chart {
    pub caption: String,
    /// (label, actual, target)
    pub points: Vec<(String, Option<f64>, Option<f64>)>,
}

/// A section of a report.
#[derive(Debug, Clone)]
pub struct Section {
    /// Its id in HTML (`data-section`) and CSV (`?section=`).
    pub id: &'static str,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub charts: Vec<Chart>,
}

impl Section {
    fn new(id: &'static str, heading: &str) -> Section {
        Section {
            id,
            heading: heading.into(),
            paragraphs: Vec::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            charts: Vec::new(),
        }
    }
}

/// A report laid out.
#[derive(Debug, Clone)]
pub struct Doc {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: &Option<String>) -> Cell {
    t(s.clone().unwrap_or_default())
}

fn num(v: Option<f64>) -> Cell {
    t(v.map(|v| v.to_string()).unwrap_or_default())
}

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn narrative_section(id: &'static str, heading: &str, n: &Option<ReportNarrative>) -> Section {
    let mut s = Section::new(id, heading);
    match n {
        Some(n) => {
            s.paragraphs
                .extend(n.text.split("\n\n").map(|p| p.trim().to_string()));
            s.paragraphs.push(format!("Written by {}.", n.author));
        }
        None => s
            .paragraphs
            .push("Nothing was written for this period.".into()),
    }
    s
}

const DELIVERABLE_COLUMNS: [&str; 8] = [
    "code",
    "title",
    "lead",
    "due_on",
    "status",
    "overdue",
    "update_status",
    "commentary",
];

fn deliverable_row(d: &ReportDeliverable, indent: &str) -> Vec<Cell> {
    vec![
        t(format!("{indent}{}", d.code)),
        t(d.title.clone()),
        opt(&d.lead),
        t(d.due_on.map(|d| d.to_string()).unwrap_or_default()),
        Cell::Status(d.status.as_str().into()),
        t(if d.overdue { "overdue" } else { "" }),
        t(d.update
            .as_ref()
            .map(|u| u.status.as_str().to_string())
            .unwrap_or_else(|| "not submitted".into())),
        t(d.update
            .as_ref()
            .and_then(|u| u.commentary.clone())
            .unwrap_or_default()),
    ]
}

fn exceptions_rows(section: &mut Section, kind: &str, items: &[ReportException]) {
    for e in items {
        section.rows.push(vec![
            t(kind),
            t(e.entity_type.clone()),
            t(e.code.clone()),
            t(e.title.clone()),
            opt(&e.lead),
            t(e.detail.clone()),
        ]);
    }
}

fn indicator_section(
    id: &'static str,
    heading: &str,
    items: &[super::quarterly::ReportIndicator],
) -> Section {
    let mut s = Section::new(id, heading);
    s.columns = vec![
        "ref",
        "title",
        "lead",
        "period",
        "target",
        "actual",
        "previous_actual",
        "rag",
        "direction",
        "quartile",
        "comparators",
        "story",
    ];
    for i in items {
        s.rows.push(vec![
            t(i.r#ref.clone()),
            t(i.title.clone()),
            opt(&i.lead),
            t(i.period_label.clone()),
            num(i.target),
            num(i.actual),
            num(i.previous_actual),
            Cell::Rag(word(&i.rag)),
            Cell::Direction(word(&i.direction)),
            t(word(&i.quartile)),
            t(i.comparators
                .iter()
                .map(|c| format!("{} {}", c.series, c.value))
                .collect::<Vec<_>>()
                .join("; ")),
            opt(&i.story),
        ]);
        s.charts.push(Chart {
            caption: format!("{} {}", i.r#ref, i.title),
            points: i
                .series
                .iter()
                .map(|p| (p.label.clone(), p.actual, p.target))
                .collect(),
        });
    }
    if items.is_empty() {
        s.paragraphs.push("The plan measures no indicators.".into());
    }
    s
}

impl QuarterlyReport {
    pub fn doc(&self) -> Doc {
        let mut objectives = Section::new("objectives", "Objectives and milestones");
        objectives.columns = DELIVERABLE_COLUMNS.to_vec();
        for o in &self.objectives {
            objectives.rows.push(deliverable_row(&o.objective, ""));
            for m in &o.milestones {
                objectives.rows.push(deliverable_row(m, "  "));
            }
        }
        let mut risks = Section::new("high-risks", "Progress with high-risk mitigation");
        risks.columns = vec![
            "code",
            "objective",
            "title",
            "initial",
            "residual",
            "current",
            "trend",
            "mitigation",
            "commentary",
        ];
        for r in &self.high_risks {
            let v = r.review.as_ref();
            risks.rows.push(vec![
                t(r.code.clone()),
                t(r.objective.clone()),
                t(r.title.clone()),
                t(r.risk_initial.map(|s| s.to_string()).unwrap_or_default()),
                t(r.risk_residual.map(|s| s.to_string()).unwrap_or_default()),
                t(v.map(|v| v.current_score.to_string())
                    .unwrap_or_else(|| "not reviewed".into())),
                Cell::Direction(
                    v.and_then(|v| v.trend)
                        .map(|t| word(&t))
                        .unwrap_or_default(),
                ),
                Cell::Status(
                    v.map(|v| v.mitigation_progress.as_str().to_string())
                        .unwrap_or_default(),
                ),
                t(v.and_then(|v| v.commentary.clone()).unwrap_or_default()),
            ]);
        }
        if self.high_risks.is_empty() {
            risks.paragraphs.push("No risk is scored high.".into());
        }
        let mut equality = Section::new("equality-actions", "Equality actions");
        equality.columns = DELIVERABLE_COLUMNS.to_vec();
        for e in &self.equality_actions {
            equality.rows.push(deliverable_row(e, ""));
        }
        if self.equality_actions.is_empty() {
            equality
                .paragraphs
                .push("The plan has no equality actions.".into());
        }
        let mut exceptions = Section::new("exceptions", "Exceptions");
        exceptions.columns = vec![
            "exception",
            "entity_type",
            "code",
            "title",
            "lead",
            "detail",
        ];
        exceptions_rows(&mut exceptions, "red", &self.exceptions.red);
        exceptions_rows(&mut exceptions, "overdue", &self.exceptions.overdue);
        exceptions_rows(&mut exceptions, "missing", &self.exceptions.missing);
        exceptions_rows(
            &mut exceptions,
            "not_submitted",
            &self.exceptions.not_submitted,
        );
        Doc {
            title: format!("{}: quarterly monitoring report", self.plan.title),
            subtitle: format!("{} (as at {})", self.period.label, self.as_of),
            sections: vec![
                narrative_section(
                    "key-developments",
                    "Key developments",
                    &self.key_developments,
                ),
                narrative_section("emerging-issues", "Emerging issues", &self.emerging_issues),
                objectives,
                indicator_section("indicators", "Performance indicators", &self.indicators),
                risks,
                equality,
                exceptions,
            ],
        }
    }
}

impl AnnualReview {
    pub fn doc(&self) -> Doc {
        let mut promises = Section::new("promises", "Promises");
        promises.columns = vec![
            "code",
            "title",
            "lead",
            "due_on",
            "status",
            "overdue",
            "quarters",
            "latest_commentary",
        ];
        for p in &self.promises {
            let d = &p.promise;
            promises.rows.push(vec![
                t(d.code.clone()),
                t(d.title.clone()),
                opt(&d.lead),
                t(d.due_on.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Status(d.status.as_str().into()),
                t(if d.overdue { "overdue" } else { "" }),
                t(p.quarters
                    .iter()
                    .map(|q| format!("{}: {}", q.label, q.status.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ")),
                t(d.update
                    .as_ref()
                    .and_then(|u| u.commentary.clone())
                    .unwrap_or_default()),
            ]);
        }
        Doc {
            title: format!("{}: annual review", self.plan.title),
            subtitle: format!("{} (as at {})", self.year.label, self.as_of),
            sections: vec![
                narrative_section("achievements", "Achievements", &self.achievements),
                promises,
                indicator_section("outcomes", "Outcome measures", &self.outcomes),
            ],
        }
    }
}

impl ImprovementReport {
    pub fn doc(&self) -> Doc {
        let mut areas = Section::new("areas", "Areas for improvement");
        areas.columns = DELIVERABLE_COLUMNS.to_vec();
        let mut recs = Section::new("recommendations", "Recommendations answered");
        recs.columns = vec!["area", "recommendation", "text"];
        for a in &self.areas {
            areas.rows.push(vec![
                t(a.code.clone()),
                t(a.title.clone()),
                t(""),
                t(""),
                t(format!("{} of {} complete", a.complete, a.actions.len())),
                t(if a.overdue > 0 {
                    format!("{} overdue", a.overdue)
                } else {
                    String::new()
                }),
                t(""),
                t(""),
            ]);
            for d in &a.actions {
                areas.rows.push(deliverable_row(d, "  "));
            }
            for r in &a.recommendations {
                recs.rows.push(vec![
                    t(a.code.clone()),
                    t(r.code.clone()),
                    t(r.text.clone()),
                ]);
            }
        }
        let mut overdue = Section::new("overdue", "Overdue actions");
        overdue.columns = DELIVERABLE_COLUMNS.to_vec();
        for d in &self.overdue {
            overdue.rows.push(deliverable_row(d, ""));
        }
        if self.overdue.is_empty() {
            overdue.paragraphs.push("No action is overdue.".into());
        }
        Doc {
            title: format!("{}: progress report", self.plan.title),
            subtitle: format!("{} (as at {})", self.period.label, self.as_of),
            sections: vec![areas, overdue, recs],
        }
    }
}

impl Report {
    pub fn doc(&self) -> Doc {
        match self {
            Report::Quarterly(r) => r.doc(),
            Report::Annual(r) => r.doc(),
            Report::Improvement(r) => r.doc(),
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The partnership's symbols: a tick, a query and a cross for green, amber
/// and red; arrows for the direction of travel.
fn symbol(cell: &Cell) -> Option<(&'static str, &'static str)> {
    Some(match cell {
        Cell::Rag(w) => match w.as_str() {
            "green" => ("\u{2714}", "rag-green"),
            "amber" => ("?", "rag-amber"),
            "red" => ("\u{2718}", "rag-red"),
            _ => ("\u{2013}", "rag-none"),
        },
        Cell::Direction(w) => match w.as_str() {
            "improving" | "up" => ("\u{21e7}", "dir-up"),
            "worsening" | "down" => ("\u{21e9}", "dir-down"),
            "no_change" | "stable" => ("\u{21e8}", "dir-same"),
            "" => return None,
            _ => ("\u{2013}", "dir-none"),
        },
        Cell::Status(w) => match w.as_str() {
            "complete" | "on_track" => ("\u{2714}", "rag-green"),
            "at_risk" => ("?", "rag-amber"),
            "off_track" => ("\u{2718}", "rag-red"),
            "" => return None,
            _ => ("\u{2013}", "rag-none"),
        },
        Cell::Text(_) => return None,
    })
}

/// A chart as inline SVG: the actuals as a solid line with points, the
/// targets dashed.
fn svg(chart: &Chart) -> String {
    let (w, h, pad) = (320.0_f64, 120.0_f64, 24.0_f64);
    let values: Vec<f64> = chart
        .points
        .iter()
        .flat_map(|(_, a, t)| [*a, *t])
        .flatten()
        .collect();
    let mut out = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\" stroke=\"#ccc\"/>",
        esc(&chart.caption)
    );
    if values.is_empty() {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">no figures yet</text></svg>",
            w / 2.0,
            h / 2.0
        ));
        return out;
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = chart.points.len().max(2) as f64 - 1.0;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / n;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * (v - lo) / span;
    for (pick, style) in [
        (1usize, "stroke=\"#1f4e79\" stroke-width=\"2\""),
        (
            2,
            "stroke=\"#c00000\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"",
        ),
    ] {
        let pts: Vec<String> = chart
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let v = if pick == 1 { p.1 } else { p.2 };
                v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))
            })
            .collect();
        if !pts.is_empty() {
            let _ = write!(
                out,
                "<polyline fill=\"none\" {style} points=\"{}\"/>",
                pts.join(" ")
            );
        }
        if pick == 1 {
            for (i, p) in chart.points.iter().enumerate() {
                if let Some(v) = p.1 {
                    let _ = write!(
                        out,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#1f4e79\"/>",
                        x(i),
                        y(v)
                    );
                }
            }
        }
    }
    if let (Some(first), Some(last)) = (chart.points.first(), chart.points.last()) {
        let _ = write!(
            out,
            "<text x=\"{pad}\" y=\"{}\" font-size=\"9\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"end\">{}</text>",
            h - 6.0,
            esc(&first.0),
            w - pad,
            h - 6.0,
            esc(&last.0)
        );
    }
    out.push_str("</svg>");
    out
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:2px solid #1f4e79;margin-top:1.5em}\
table{border-collapse:collapse;width:100%;font-size:.85em}\
th,td{border:1px solid #bbb;padding:3px 5px;vertical-align:top;text-align:left}\
th{background:#e8eef5}.rag-green{color:#2e7d32}.rag-amber{color:#b26a00}.rag-red{color:#c62828}\
.dir-up{color:#2e7d32}.dir-down{color:#c62828}.dir-same{color:#b26a00}\
.charts{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}figcaption{font-size:.75em}\
@media print{body{margin:0}section{page-break-inside:avoid}}";

/// The report as a printable HTML page. `footer` says what it is (a live
/// report, or a snapshot with its hash).
pub fn html(doc: &Doc, footer: &str) -> String {
    let ids: Vec<&str> = doc.sections.iter().map(|s| s.id).collect();
    let charts = doc.sections.iter().any(|s| !s.charts.is_empty());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{STYLE}</style></head>\
         <body data-sections=\"{}\" data-expect-charts=\"{charts}\"><header><h1>{}</h1><p>{}</p></header>",
        esc(&doc.title),
        ids.join(" "),
        esc(&doc.title),
        esc(&doc.subtitle)
    );
    for s in &doc.sections {
        let _ = write!(
            out,
            "<section data-section=\"{}\"><h2>{}</h2>",
            s.id,
            esc(&s.heading)
        );
        for p in &s.paragraphs {
            let _ = write!(out, "<p>{}</p>", esc(p));
        }
        if !s.rows.is_empty() {
            out.push_str("<table><thead><tr>");
            for c in &s.columns {
                let _ = write!(out, "<th>{}</th>", esc(&c.replace('_', " ")));
            }
            out.push_str("</tr></thead><tbody>");
            for row in &s.rows {
                out.push_str("<tr>");
                for cell in row {
                    match symbol(cell) {
                        Some((sym, class)) => {
                            let _ = write!(
                                out,
                                "<td><span class=\"{class}\" aria-hidden=\"true\">{sym}</span> {}</td>",
                                esc(&cell.text().replace('_', " "))
                            );
                        }
                        None => {
                            let _ = write!(out, "<td>{}</td>", esc(cell.text()));
                        }
                    }
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table>");
        }
        if !s.charts.is_empty() {
            out.push_str("<div class=\"charts\">");
            for c in &s.charts {
                let _ = write!(
                    out,
                    "<figure>{}<figcaption>{} (solid: actual; dashed: target)</figcaption></figure>",
                    svg(c),
                    esc(&c.caption)
                );
            }
            out.push_str("</div>");
        }
        out.push_str("</section>");
    }
    let _ = write!(
        out,
        "<footer><p>{}</p><p>Key: \u{2714} on target or on track; ? within tolerance or at risk; \
         \u{2718} off target or off track; \u{21e7} improving; \u{21e8} no change; \u{21e9} worsening.</p>\
         </footer></body></html>",
        esc(footer)
    );
    out
}

/// One section as CSV (`section` given), or with none the list of the
/// report's sections: `section,heading,rows`.
pub fn csv(doc: &Doc, section: Option<&str>) -> ApiResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
    let text = crate::web::csv::neutralise;
    match section {
        None => {
            out.write_record(["section", "heading", "rows"])
                .map_err(csv_error)?;
            for s in &doc.sections {
                out.write_record([s.id, &*text(&s.heading), &s.rows.len().to_string()])
                    .map_err(csv_error)?;
            }
        }
        Some(id) => {
            let s = doc.sections.iter().find(|s| s.id == id).ok_or_else(|| {
                ApiError::InvalidQuery(format!(
                    "section: {id:?} is not one of {}",
                    doc.sections
                        .iter()
                        .map(|s| s.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if s.columns.is_empty() {
                out.write_record(["text"]).map_err(csv_error)?;
                for p in &s.paragraphs {
                    out.write_record([&*text(p)]).map_err(csv_error)?;
                }
            } else {
                out.write_record(&s.columns).map_err(csv_error)?;
                for row in &s.rows {
                    out.write_record(row.iter().map(|c| text(c.text()).into_owned()))
                        .map_err(csv_error)?;
                }
            }
        }
    }
    out.into_inner()
        .map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_declares_its_sections() {
        let doc = Doc {
            title: "A <plan>".into(),
            subtitle: "2009/10 Q2".into(),
            sections: vec![Section {
                id: "indicators",
                heading: "Indicators".into(),
                paragraphs: vec!["x & y".into()],
                columns: vec!["ref", "rag"],
                rows: vec![vec![t("NI59"), Cell::Rag("red".into())]],
                charts: vec![Chart {
                    caption: "NI59".into(),
                    points: vec![
                        ("Q1".into(), Some(1.0), Some(2.0)),
                        ("Q2".into(), Some(3.0), None),
                    ],
                }],
            }],
        };
        let page = html(&doc, "live");
        assert!(page.contains("A &lt;plan&gt;"));
        assert!(page.contains("x &amp; y"));
        assert!(page.contains("data-sections=\"indicators\""));
        assert!(page.contains("<span class=\"rag-red\" aria-hidden=\"true\">\u{2718}</span> red"));
        assert!(page.contains("<polyline"));
        let csv = String::from_utf8(csv(&doc, Some("indicators")).expect("a CSV")).expect("UTF-8");
        assert_eq!(csv, "ref,rag\nNI59,red\n");
        assert!(csv_section_unknown(&doc));
    }

    fn csv_section_unknown(doc: &Doc) -> bool {
        matches!(csv(doc, Some("nope")), Err(ApiError::InvalidQuery(_)))
    }
}
