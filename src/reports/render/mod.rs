//! The summary report as text: Vietnamese (default) or English, printable
//! HTML (an A4 print stylesheet, no scripts) or Markdown for pasting.
//! Vietnamese numbers group thousands with a dot (6.770) and dates are
//! day/month/year (08/10/2019).

mod people;

use people::{audience, people, range, share_of};
use std::fmt::Write;

use chrono::NaiveDate;

use super::Summary;
use crate::domain::Kind;

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese (the default).
    Vi,
    /// English.
    En,
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Printable HTML.
    Html,
    /// Markdown.
    Markdown,
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

/// The print stylesheet (its SHA-256 is allowed by the report's
/// Content-Security-Policy; nothing else may load).
pub const CSS: &str = "@page{size:A4;margin:20mm 18mm}\
body{font-family:'Times New Roman',serif;font-size:13pt;line-height:1.5;max-width:170mm;margin:0 auto;color:#000}\
h1{font-size:16pt;text-align:center;text-transform:uppercase}h2{font-size:14pt}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:2pt 6pt}\
td.n{text-align:right}tr.total{font-weight:bold}.note{font-style:italic;font-size:11pt}\
@media print{body{max-width:none}}";

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

/// The report's blocks, before formatting.
enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    Note(String),
    /// A table: header, rows, and a total row.
    Table(Vec<String>, Vec<Vec<String>>, Vec<String>),
}

/// Emphasis in the output format.
fn strong(text: &str, format: Format) -> String {
    match format {
        Format::Html => format!("<strong>{}</strong>", escape(text)),
        Format::Markdown => format!("**{}**", md_escape(text)),
    }
}

fn blocks(s: &Summary, lang: Lang, format: Format) -> Vec<Block> {
    let vi = lang == Lang::Vi;
    // A figure, or the word for one a publication withheld.
    let n = |v: Option<i64>| match v {
        Some(v) => number(v, lang),
        None if vi => "(không công bố)".to_string(),
        None => "(withheld)".to_string(),
    };
    let text = |t: &str| match format {
        Format::Html => escape(t),
        Format::Markdown => md_escape(t),
    };
    let mut out = vec![Block::Title(
        if vi {
            "Báo cáo kết quả tuyên truyền phòng, chống mua bán người"
        } else {
            "Report on anti-human-trafficking outreach"
        }
        .into(),
    )];
    let period = match (s.from, s.to, vi) {
        (Some(f), Some(t), true) => format!(
            "Kỳ báo cáo: từ ngày {} đến ngày {}.",
            date(f, lang),
            date(t, lang)
        ),
        (Some(f), None, true) => format!("Kỳ báo cáo: từ ngày {} đến nay.", date(f, lang)),
        (None, Some(t), true) => format!("Kỳ báo cáo: đến ngày {}.", date(t, lang)),
        (None, None, true) => "Kỳ báo cáo: toàn bộ số liệu đã ghi nhận.".into(),
        (Some(f), Some(t), false) => format!("Period: {} to {}.", date(f, lang), date(t, lang)),
        (Some(f), None, false) => format!("Period: from {}.", date(f, lang)),
        (None, Some(t), false) => format!("Period: up to {}.", date(t, lang)),
        (None, None, false) => "Period: everything recorded.".into(),
    };
    out.push(Block::Paragraph(period));
    out.push(Block::Heading(
        if vi {
            "Kết quả của từng cơ quan, đơn vị"
        } else {
            "Each agency's work"
        }
        .into(),
    ));
    let reach = |m: &super::Figures| people(m, lang);
    for part in &s.agencies {
        let name = if vi {
            &part.agency.name
        } else {
            &part.agency.name_en
        };
        let count = |(k, c): &(Kind, Option<i64>)| format!("{} {}", n(*c), noun(*k, lang));
        let mut kinds: Vec<String> = part
            .kinds
            .iter()
            .filter(|(k, _)| !k.is_media())
            .map(count)
            .collect();
        let media: Vec<String> = part
            .kinds
            .iter()
            .filter(|(k, _)| k.is_media())
            .map(count)
            .collect();
        let m = &part.figures;
        if part.kinds.is_empty() {
            // A publication without a table by agency and kind.
            kinds.push(format!(
                "{} {}",
                n(m.sessions),
                if vi { "buổi, lớp" } else { "sessions" }
            ));
        }
        let mut sentence = strong(name, format);
        if !kinds.is_empty() {
            sentence.push_str(&if vi {
                format!(
                    " đã tổ chức {}, với {} lượt người tham dự ({})",
                    text(&list(&kinds, lang)),
                    n(m.attendances),
                    reach(m)
                )
            } else {
                format!(
                    " held {}, with {} person-times of attendance ({})",
                    text(&list(&kinds, lang)),
                    n(m.attendances),
                    reach(m)
                )
            });
        }
        if !media.is_empty() {
            let and = match (kinds.is_empty(), vi) {
                (true, true) => " đã thực hiện",
                (true, false) => " produced",
                (false, true) => "; thực hiện",
                (false, false) => "; and produced",
            };
            sentence.push_str(&format!(
                "{and} {}, {}",
                text(&list(&media, lang)),
                audience(m.audience, lang)
            ));
        }
        sentence.push('.');
        out.push(Block::Paragraph(sentence));
    }
    if s.agencies.is_empty() {
        out.push(Block::Paragraph(
            if vi {
                "Không có hoạt động nào trong kỳ."
            } else {
                "No activity in the period."
            }
            .into(),
        ));
    }
    out.push(Block::Heading(
        if vi {
            "Toàn tỉnh (không tính trùng)"
        } else {
            "Province-wide, without double counting"
        }
        .into(),
    ));
    let t = &s.totals;
    let mut total = if vi {
        format!(
            "Toàn tỉnh đã tổ chức {} buổi, lớp (hoạt động phối hợp của nhiều cơ quan và các báo cáo trùng nhau chỉ tính một lần), với {} lượt người tham dự; {}. {} người được từ hai cơ quan trở lên tiếp cận.",
            n(t.sessions),
            n(t.attendances),
            reach(t),
            n(s.shared_people)
        )
    } else {
        format!(
            "Across the province, {} sessions were held (joint activities and duplicate reports count once), with {} person-times of attendance; {}. {} people were reached by two agencies or more.",
            n(t.sessions),
            n(t.attendances),
            reach(t),
            n(s.shared_people)
        )
    };
    if t.media_items.is_some_and(|i| i > 0) {
        let _ = write!(
            total,
            " {}",
            if vi {
                format!(
                    "Ngoài ra, {} tin, bài, chương trình trên các phương tiện thông tin đại chúng, {} (không tính vào lượt người tham dự).",
                    n(t.media_items),
                    audience(t.audience, lang)
                )
            } else {
                format!(
                    "Besides, {} items in the mass media, {} (not counted as attendance).",
                    n(t.media_items),
                    audience(t.audience, lang)
                )
            }
        );
    }
    if let Some(first_time) = t.first_time {
        let _ = write!(
            total,
            " {}",
            if vi {
                format!("{} người lần đầu được tiếp cận trong kỳ.", n(first_time))
            } else {
                format!(
                    "{} people were reached for the first time in the period.",
                    n(first_time)
                )
            }
        );
    }
    out.push(Block::Paragraph(total));
    out.push(Block::Note(
        if vi {
            "Số người của các cơ quan không được cộng lại với nhau: một người có thể được nhiều cơ quan tiếp cận. Lượt người là số lần tham dự; người được định danh là số người khác nhau có số định danh; tỷ lệ định danh tính mỗi người được định danh một lần trong mỗi hoạt động, nên với hoạt động gồm nhiều buổi, tỷ lệ thực tế có thể cao hơn. Khoảng ước tính số người khác nhau dựa trên số người định danh, số người cơ quan tự đếm và số lượt tham dự mỗi buổi. Người nghe, xem, đọc trên phương tiện thông tin đại chúng là số ước tính, không tính vào lượt người tham dự."
        } else {
            "The agencies' people are never added up: one person may be reached by several agencies. Person-times count attendances; identified people count different persons with an identifier; the identified share counts each identified person once per activity, so with activities of several sessions the true share may be higher. The range of different people rests on the identified people, the people agencies counted themselves and the attendance per session. Mass-media audiences are estimates and are not attendance."
        }
        .into(),
    ));
    out.push(Block::Heading(
        if vi {
            "Bảng tổng hợp"
        } else {
            "Summary table"
        }
        .into(),
    ));
    let header = if vi {
        vec![
            "Cơ quan, đơn vị",
            "Số buổi, lớp",
            "Lượt người tham dự",
            "Người được định danh",
            "Tỷ lệ lượt có định danh",
            "Ước tính số người khác nhau",
            "Tin, bài, chương trình",
            "Lượt người nghe, xem, đọc (ước tính)",
        ]
    } else {
        vec![
            "Agency",
            "Sessions",
            "Person-times",
            "Identified people",
            "Identified share",
            "Estimated different people",
            "Media items",
            "Audience (estimated)",
        ]
    }
    .into_iter()
    .map(str::to_string)
    .collect();
    let cells = |name: &str, f: &super::Figures| {
        vec![
            text(name),
            n(f.sessions),
            n(f.attendances),
            n(f.unique),
            share_of(f, lang).unwrap_or_else(|| "-".into()),
            range(f, lang),
            n(f.media_items),
            n(f.audience),
        ]
    };
    let rows = s
        .agencies
        .iter()
        .map(|p| {
            cells(
                if vi {
                    &p.agency.name
                } else {
                    &p.agency.name_en
                },
                &p.figures,
            )
        })
        .collect();
    let total_row = cells(
        if vi {
            "Toàn tỉnh (không tính trùng)"
        } else {
            "Province (no double counting)"
        },
        t,
    );
    out.push(Block::Table(header, rows, total_row));
    if let Some(src) = &s.source {
        out.push(Block::Note(if vi {
            format!(
                "Số liệu theo bản công bố kỳ {}, phiên bản {} (SHA-256 {}); ô \"không công bố\" được giữ lại để không thể suy ra số nhỏ.{}",
                src.period,
                src.version,
                src.sha256,
                if src.names_stored {
                    ""
                } else {
                    " Tên cơ quan theo danh mục hiện hành (bản công bố này không lưu tên)."
                }
            )
        } else {
            format!(
                "Figures from the publication of {}, version {} (SHA-256 {}); withheld values are kept back so that small counts cannot be worked out.{}",
                src.period,
                src.version,
                src.sha256,
                if src.names_stored {
                    ""
                } else {
                    " Agency names are today's (this version did not store names)."
                }
            )
        }));
    }
    out.push(Block::Note(if vi {
        format!(
            "Số liệu lập ngày {} từ dữ liệu các cơ quan ghi nhận.",
            date(s.made_on, lang)
        )
    } else {
        format!(
            "Figures as of {}, from the agencies' records.",
            date(s.made_on, lang)
        )
    }));
    out
}

/// HTML-escapes text.
pub fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Escapes Markdown's active characters in text from the data (names).
fn md_escape(t: &str) -> String {
    let mut out = String::new();
    for c in t.chars() {
        if "\\`*_[]<>#|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The report as `format` in `lang`.
pub fn render(s: &Summary, lang: Lang, format: Format) -> String {
    let blocks = blocks(s, lang, format);
    let mut out = String::new();
    match format {
        Format::Html => {
            let code = if lang == Lang::Vi { "vi" } else { "en" };
            let title = blocks
                .iter()
                .find_map(|b| match b {
                    Block::Title(t) => Some(t.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let _ = write!(
                out,
                "<!doctype html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
                 <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
                escape(&title)
            );
            for b in &blocks {
                match b {
                    Block::Title(t) => {
                        let _ = writeln!(out, "<h1>{}</h1>", escape(t));
                    }
                    Block::Heading(t) => {
                        let _ = writeln!(out, "<h2>{}</h2>", escape(t));
                    }
                    Block::Paragraph(t) => {
                        let _ = writeln!(out, "<p>{t}</p>");
                    }
                    Block::Note(t) => {
                        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(t));
                    }
                    Block::Table(header, rows, total) => {
                        out.push_str("<table>\n<thead><tr>");
                        for h in header {
                            let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
                        }
                        out.push_str("</tr></thead>\n<tbody>\n");
                        for (class, row) in rows
                            .iter()
                            .map(|r| ("", r))
                            .chain(std::iter::once((" class=\"total\"", total)))
                        {
                            let _ = write!(out, "<tr{class}><th scope=\"row\">{}</th>", row[0]);
                            for cell in &row[1..] {
                                let _ = write!(out, "<td class=\"n\">{cell}</td>");
                            }
                            out.push_str("</tr>\n");
                        }
                        out.push_str("</tbody>\n</table>\n");
                    }
                }
            }
            out.push_str("</body>\n</html>\n");
        }
        Format::Markdown => {
            for b in &blocks {
                match b {
                    Block::Title(t) => {
                        let _ = writeln!(out, "# {t}\n");
                    }
                    Block::Heading(t) => {
                        let _ = writeln!(out, "## {t}\n");
                    }
                    Block::Paragraph(t) => {
                        let _ = writeln!(out, "{t}\n");
                    }
                    Block::Note(t) => {
                        let _ = writeln!(out, "_{t}_\n");
                    }
                    Block::Table(header, rows, total) => {
                        let _ = writeln!(out, "| {} |", header.join(" | "));
                        let _ = writeln!(
                            out,
                            "|---|{}",
                            header[1..].iter().map(|_| "---:|").collect::<String>()
                        );
                        for row in rows {
                            let _ = writeln!(out, "| {} |", row.join(" | "));
                        }
                        let mut total = total.clone();
                        total[0] = format!("**{}**", total[0]);
                        let _ = writeln!(out, "| {} |\n", total.join(" | "));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
