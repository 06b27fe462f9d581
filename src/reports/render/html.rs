//! The report as printable HTML: A4 with the decree's margins, page numbers
//! from page 2 (CSS page-margin boxes), no scripts; nothing but its one
//! stylesheet may load (the route's Content-Security-Policy allows it by
//! hash).

use std::fmt::Write;

use super::document::{Block, Document, Run};

/// The print stylesheet.
pub const CSS: &str = "@page{size:A4;margin:20mm 20mm 20mm 30mm;@top-center{content:counter(page);font:13pt 'Times New Roman',serif}}\
@page:first{@top-center{content:none}}\
body{font-family:'Times New Roman','Liberation Serif',serif;font-size:14pt;line-height:1.4;max-width:160mm;margin:0 auto;color:#000}\
.head{width:100%;border:0;border-collapse:collapse}.head td{border:0;text-align:center;vertical-align:top;padding:0;font-size:13pt}\
.head .nat{font-weight:bold}.head .motto{font-weight:bold;font-size:14pt;text-decoration:underline}.head .date{font-style:italic;font-size:14pt}\
h1{font-size:14pt;text-align:center;margin:12pt 0 0}.subject{text-align:center;font-weight:bold;margin:0 0 12pt}\
.to{text-align:center}h2{font-size:14pt;margin:12pt 0 6pt}p{text-align:justify;text-indent:1cm;margin:6pt 0}\
table.t{border-collapse:collapse;width:100%;font-size:11pt;margin:6pt 0}.t th,.t td{border:1px solid #000;padding:2pt 4pt}\
.t td.n{text-align:right}.t tr.total{font-weight:bold}.note{font-style:italic;font-size:12pt}.dots{text-indent:0;color:#555}\
.foot{width:100%;border-collapse:collapse;margin-top:18pt}.foot td{vertical-align:top;border:0;padding:0}\
.recv{font-size:11pt}.recv b{font-style:italic;font-size:12pt}.sign{text-align:center;font-weight:bold}.sign .space{height:28mm}\
@media print{body{max-width:none}}";

/// HTML-escapes text.
pub fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn runs(runs: &[Run]) -> String {
    runs.iter()
        .map(|r| {
            if r.bold {
                format!("<strong>{}</strong>", escape(&r.text))
            } else {
                escape(&r.text)
            }
        })
        .collect()
}

fn lines(items: &[String]) -> String {
    items
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The document as an HTML page.
pub fn html(d: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        d.lang,
        escape(d.kind),
        escape(&d.subject)
    );
    let (governing, own) = d.issuer.split_at(d.issuer.len().saturating_sub(1));
    let _ = writeln!(
        out,
        "<table class=\"head\"><tr><td>{}<br><strong>{}</strong><br>{}</td>\
         <td><span class=\"nat\">{}</span><br><span class=\"motto\">{}</span><br><br><span class=\"date\">{}</span></td></tr></table>",
        lines(governing),
        lines(own),
        escape(&d.number),
        escape(d.national[0]),
        escape(d.national[1]),
        escape(&d.date_line)
    );
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p class=\"subject\">{}</p>",
        escape(d.kind),
        escape(&d.subject)
    );
    if let Some(a) = &d.addressee {
        let _ = writeln!(out, "<p class=\"to\">{}</p>", escape(a));
    }
    for b in &d.body {
        match b {
            Block::Heading(t) => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(t));
            }
            Block::Paragraph(r) => {
                let _ = writeln!(out, "<p>{}</p>", runs(r));
            }
            Block::Note(t) => {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(t));
            }
            Block::ToWrite(t) => {
                let _ = writeln!(
                    out,
                    "<h2>{}</h2>\n<p class=\"dots\">{}</p>",
                    escape(t),
                    "…".repeat(60)
                );
            }
            Block::Table {
                header,
                rows,
                total,
            } => {
                out.push_str("<table class=\"t\">\n<thead><tr>");
                for h in header {
                    let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                let all = rows
                    .iter()
                    .map(|r| ("", r))
                    .chain(total.iter().map(|t| (" class=\"total\"", t)));
                for (class, row) in all {
                    let _ = write!(out, "<tr{class}><th scope=\"row\">{}</th>", escape(&row[0]));
                    for cell in &row[1..] {
                        let _ = write!(out, "<td class=\"n\">{}</td>", escape(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
    let _ = write!(
        out,
        "<table class=\"foot\"><tr><td class=\"recv\"><b>{}</b><br>- {}</td>\
         <td class=\"sign\">{}<div class=\"space\"></div>{}</td></tr></table>\n</body>\n</html>\n",
        escape(d.recipients.0),
        d.recipients
            .1
            .iter()
            .map(|r| escape(r))
            .collect::<Vec<_>>()
            .join("<br>- "),
        lines(&d.signer),
        escape(&d.signer_name)
    );
    out
}
