//! The HTML report: one self-contained, offline file. Charts are inline SVG drawn from the
//! same bins the profile's JSON holds; no CDN, no fonts, and no script needed to read it (a few
//! lines of script filter the columns and sort tables). Every figure carries its exact value in
//! a `data-f` attribute next to the rounded text, so what the page says can be read back and
//! checked against the profile.
//!
//! The page keeps to a size budget: each column's card is a few KB (a histogram of the
//! profile's bins, quantiles, at most the profile's top values, text cut to 80 characters), so
//! 1,000 columns stay well under 20 MB.

mod columns;
mod sections;
mod svg;

pub(crate) use super::cut;
use super::document::{alerts, ReportInput};
use std::fmt::Write;

/// Text made safe for HTML text and attribute values, with control and invisible formatting
/// characters shown as escapes.
pub(crate) fn esc(s: &str) -> String {
    let s = super::printable(s);
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
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

/// An exact figure as the profile's JSON writes it.
pub(crate) fn exact(x: f64) -> String {
    serde_json::to_string(&x).unwrap_or_else(|_| "null".into())
}

const STYLE: &str = r#"
:root{--fg:#1b1f24;--bg:#fff;--muted:#5b6470;--line:#d7dce2;--card:#f6f8fa;--bar:#3b6fd1;--band:#9db7ea;--pos:#c0392b;--neg:#2e64c9;--err:#b42318;--warn:#a15c00;--info:#2e64c9;--ok:#1e7d32}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--bg:#14171b;--muted:#9aa4b1;--line:#343a42;--card:#1c2026;--bar:#6e9cf5;--band:#35507f;--pos:#ff7b6b;--neg:#7aa7ff;--err:#ff8272;--warn:#f0b35a;--info:#7aa7ff;--ok:#6fcf7f}}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1180px;padding:16px 20px 48px}
h1{font-size:22px;margin:8px 0 2px;word-break:break-all}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:0 0 6px;word-break:break-all}
nav a{margin-right:12px}a{color:var(--info)}.muted{color:var(--muted)}code{font-size:12px}
table{border-collapse:collapse;margin:4px 0 8px}td,th{border-bottom:1px solid var(--line);padding:2px 8px;text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th.sort{cursor:pointer}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.col{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:hidden}
dl.figs{display:grid;grid-template-columns:auto 1fr auto 1fr;gap:0 10px;margin:4px 0}dl.figs dt{color:var(--muted)}dl.figs dd{margin:0;font-variant-numeric:tabular-nums}
.chart{width:100%;height:auto;display:block;margin:6px 0}.chart .bar{fill:var(--bar)}.chart .band{fill:var(--band)}.chart .tick{stroke:var(--fg);stroke-width:2}.chart .axis,.chart .range{stroke:var(--muted)}
.chart .label{fill:var(--fg);font-size:11px}.chart .threshold{stroke:var(--err);stroke-dasharray:4 3}.chart .dot{fill:var(--ok)}.chart .dot.drift{fill:var(--err)}.chart .dot.inconclusive{fill:var(--warn)}
.chart.hist{height:96px}section>.chart.hist{max-width:640px}.alerts li{margin:2px 0}.lv{display:inline-block;min-width:64px;font-weight:600}.lv.error{color:var(--err)}.lv.warning{color:var(--warn)}.lv.info{color:var(--info)}
.tag{font-size:12px;color:var(--muted)}.thumbs{display:flex;flex-wrap:wrap;gap:8px}.thumbs figure{margin:0;width:112px;font-size:11px;word-break:break-all}.thumbs img{width:112px;height:112px;object-fit:contain;background:var(--card);border:1px solid var(--line)}
.status-drift{color:var(--err);font-weight:600}.status-inconclusive{color:var(--warn)}.status-ok{color:var(--ok)}
#filter{padding:4px 8px;width:280px;margin:4px 0 10px;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:4px}
@media print{body{max-width:none}.col{break-inside:avoid}#filter,nav{display:none}}
"#;

/// Filter the column cards by name and sort tables by a click on their headers. The page reads
/// the same without it.
const SCRIPT: &str = r#"
(function(){
var f=document.getElementById('filter');
if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase();document.querySelectorAll('.col').forEach(function(c){var n=(c.getAttribute('data-name')||'').toLowerCase();c.style.display=n.indexOf(q)>=0?'':'none';});});}
document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,i){th.classList.add('sort');th.addEventListener('click',function(){var b=t.tBodies[0];if(!b)return;var rows=Array.prototype.slice.call(b.rows);var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');rows.sort(function(x,y){var a=x.cells[i],c=y.cells[i];var u=a?(a.getAttribute('data-f')||a.textContent):'',v=c?(c.getAttribute('data-f')||c.textContent):'';var p=parseFloat(u),q=parseFloat(v);var r=(!isNaN(p)&&!isNaN(q))?p-q:u.localeCompare(v);return asc?r:-r;});rows.forEach(function(r){b.appendChild(r);});});});});
document.documentElement.setAttribute('data-ready','1');
})();
"#;

/// The report as one HTML document.
pub fn html(r: &ReportInput) -> String {
    let mut s = String::with_capacity(64 * 1024 + 8 * 1024 * r.profile.columns.len());
    let title = esc(r.title);
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><meta name="generator" content="{}"><title>{title} · datassay report</title><style>{STYLE}</style></head><body>"#,
        esc(&r.profile.generator)
    );
    let _ = write!(
        s,
        r##"<header><h1>{title}</h1><div class="muted">datassay report · {}</div><nav><a href="#overview">Overview</a><a href="#alerts">Alerts</a><a href="#columns">Columns</a><a href="#correlations">Correlations</a><a href="#duplicates">Duplicate rows</a><a href="#near-duplicates">Near-duplicates</a><a href="#images">Images</a><a href="#embeddings">Embeddings</a><a href="#drift">Drift</a></nav></header><main>"##,
        esc(&r.profile.generator)
    );
    sections::overview(&mut s, r);
    alert_list(&mut s, r);
    columns::columns(&mut s, r);
    sections::correlations(&mut s, r);
    sections::duplicates(&mut s, r);
    sections::near_duplicates(&mut s, r);
    sections::images(&mut s, r);
    sections::embeddings(&mut s, r);
    sections::drift(&mut s, r);
    let _ = writeln!(s, "</main><script>{SCRIPT}</script></body></html>");
    s
}

fn alert_list(s: &mut String, r: &ReportInput) {
    let a = alerts(r);
    let _ = write!(
        s,
        r#"<section id="alerts"><h2>Alerts <span class="tag">{}</span></h2>"#,
        a.len()
    );
    if a.is_empty() {
        s.push_str("<p>Nothing to flag: no column is mostly null, constant, infinite or NaN, and there are no heavy duplicates, PII, drift or flagged images.</p>");
    } else {
        s.push_str(r#"<ul class="alerts">"#);
        for al in &a {
            let text = match al.column {
                Some(i) => format!(r##"<a href="#c{i}">{}</a>"##, esc(&al.text)),
                None => esc(&al.text),
            };
            let _ = write!(
                s,
                r#"<li class="alert {lv}" data-kind="{}"><span class="lv {lv}">{lv}</span> {text}</li>"#,
                al.kind,
                lv = al.level.as_str()
            );
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
}
