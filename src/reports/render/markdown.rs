//! The report as Markdown, for pasting: the same parts, in order.

use std::fmt::Write;

use super::document::{Block, Document};

/// Escapes Markdown's active characters in text from the data (names).
pub fn md_escape(t: &str) -> String {
    let mut out = String::new();
    for c in t.chars() {
        if "\\`*_[]<>#|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The document as Markdown.
pub fn markdown(d: &Document) -> String {
    let mut out = String::new();
    for l in &d.issuer {
        let _ = writeln!(out, "{}  ", md_escape(l));
    }
    let _ = writeln!(out, "{}\n", md_escape(&d.number));
    let _ = writeln!(
        out,
        "**{}**  \n**{}**\n\n_{}_\n",
        d.national[0],
        d.national[1],
        md_escape(&d.date_line)
    );
    let _ = writeln!(out, "# {}\n\n**{}**\n", d.kind, md_escape(&d.subject));
    if let Some(a) = &d.addressee {
        let _ = writeln!(out, "{}\n", md_escape(a));
    }
    for b in &d.body {
        match b {
            Block::Heading(t) => {
                let _ = writeln!(out, "## {}\n", md_escape(t));
            }
            Block::Paragraph(runs) => {
                for r in runs {
                    if r.bold {
                        let _ = write!(out, "**{}**", md_escape(&r.text));
                    } else {
                        out.push_str(&md_escape(&r.text));
                    }
                }
                out.push_str("\n\n");
            }
            Block::Note(t) => {
                let _ = writeln!(out, "_{}_\n", md_escape(t));
            }
            Block::ToWrite(t) => {
                let _ = writeln!(out, "## {}\n\n{}\n", md_escape(t), "…".repeat(40));
            }
            Block::Table {
                header,
                rows,
                total,
            } => {
                let cells = |r: &[String]| r.iter().map(|c| md_escape(c)).collect::<Vec<_>>();
                let _ = writeln!(out, "| {} |", cells(header).join(" | "));
                let _ = writeln!(
                    out,
                    "|---|{}",
                    header[1..].iter().map(|_| "---:|").collect::<String>()
                );
                for row in rows {
                    let _ = writeln!(out, "| {} |", cells(row).join(" | "));
                }
                if let Some(t) = total {
                    let mut t = cells(t);
                    t[0] = format!("**{}**", t[0]);
                    let _ = writeln!(out, "| {} |", t.join(" | "));
                }
                out.push('\n');
            }
        }
    }
    let _ = writeln!(out, "_{}_", d.recipients.0);
    for r in &d.recipients.1 {
        let _ = writeln!(out, "- {}", md_escape(r));
    }
    out.push('\n');
    for l in &d.signer {
        let _ = writeln!(out, "**{}**  ", md_escape(l));
    }
    let _ = writeln!(out, "\n\n\n**{}**", md_escape(&d.signer_name));
    out
}
