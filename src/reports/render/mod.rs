//! The summary report as a document: Vietnamese (default) or English; Word
//! (`docx`), PDF, printable HTML (A4, no scripts) or Markdown for pasting,
//! all laid out from one [`document::Document`]. Vietnamese numbers group
//! thousands with a dot (6.770) and dates are day/month/year (08/10/2019).

pub mod document;
mod docx;
pub mod html;
mod markdown;
mod pdf;
mod people;

use chrono::NaiveDate;

use super::Summary;
use crate::domain::Kind;

pub use crate::domain::Lang;

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Printable HTML.
    Html,
    /// Markdown.
    Markdown,
    /// A Word document.
    Docx,
    /// PDF, A4, fonts embedded.
    Pdf,
}

impl Format {
    /// Every format: its query name, media type and file extension.
    pub const ALL: [(Format, &'static str, &'static str, &'static str); 4] = [
        (Format::Html, "html", "text/html; charset=utf-8", "html"),
        (Format::Markdown, "md", "text/markdown; charset=utf-8", "md"),
        (
            Format::Docx,
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        (Format::Pdf, "pdf", "application/pdf", "pdf"),
    ];

    /// The format a query names.
    pub fn parse(name: &str) -> Option<Format> {
        Self::ALL.iter().find(|f| f.1 == name).map(|f| f.0)
    }

    /// Its media type.
    pub fn media_type(self) -> &'static str {
        Self::ALL.iter().find(|f| f.0 == self).map_or("", |f| f.2)
    }

    /// Its file extension.
    pub fn extension(self) -> &'static str {
        Self::ALL.iter().find(|f| f.0 == self).map_or("", |f| f.3)
    }
}

/// How each kind of activity is counted in a sentence: (kind, Vietnamese
/// noun phrase, English noun phrase). The one table of these words.
const KIND_NOUNS: &[(Kind, &str, &str)] = &[
    (
        Kind::TrainingClass,
        "lớp tuyên truyền, tập huấn",
        "awareness and training classes",
    ),
    (Kind::CommunityMeeting, "buổi họp dân", "community meetings"),
    (
        Kind::CampaignLaunch,
        "cuộc phát động phong trào",
        "campaign launches",
    ),
    (
        Kind::LawDissemination,
        "buổi tuyên truyền, phổ biến pháp luật",
        "law-dissemination sessions",
    ),
    (
        Kind::IntegratedLesson,
        "tiết dạy lồng ghép",
        "lessons with integrated content",
    ),
    (
        Kind::Extracurricular,
        "buổi hoạt động ngoại khóa",
        "extracurricular sessions",
    ),
    (
        Kind::MediaBroadcast,
        "chương trình phát thanh, truyền hình",
        "radio and television broadcasts",
    ),
    (Kind::HomeVisit, "lượt thăm hộ gia đình", "home visits"),
    (
        Kind::Loudspeaker,
        "bản tin trên loa truyền thanh cơ sở",
        "loudspeaker messages",
    ),
    (
        Kind::PrintedMaterials,
        "ấn phẩm (tờ rơi, áp phích, pa nô)",
        "printed materials",
    ),
    (Kind::OnlinePost, "tin, bài trên mạng", "online posts"),
    (Kind::Other, "hoạt động khác", "other activities"),
];

fn noun(kind: Kind, lang: Lang) -> &'static str {
    KIND_NOUNS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, vi, en)| if lang == Lang::Vi { *vi } else { *en })
        .unwrap_or("")
}

/// A count in the language's format: 6.770 (vi), 6,770 (en).
pub fn number(n: i64, lang: Lang) -> String {
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A date in the language's format: 08/10/2019 (vi), 8 October 2019 (en).
pub fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// `a, b và c` / `a, b and c`.
fn list(items: &[String], lang: Lang) -> String {
    let and = if lang == Lang::Vi { " và " } else { " and " };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}{and}{last}", rest.join(", ")),
    }
}

/// The report as `format` in `lang`, with the deployment's letterhead.
pub fn render(
    s: &Summary,
    head: &crate::config::Letterhead,
    lang: Lang,
    format: Format,
) -> Result<Vec<u8>, String> {
    render_document(&document::document(s, head, lang), format)
}

/// Any document (the summary, the processing register) as `format`.
pub fn render_document(d: &document::Document, format: Format) -> Result<Vec<u8>, String> {
    Ok(match format {
        Format::Html => html::html(d).into_bytes(),
        Format::Markdown => markdown::markdown(d).into_bytes(),
        Format::Docx => docx::docx(d)?,
        Format::Pdf => pdf::pdf(d)?,
    })
}

#[cfg(test)]
mod tests;
