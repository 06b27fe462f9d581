//! The report as an administrative document (Decree 30/2020/NĐ-CP): the
//! parts every format lays out the same way (issuing body, national title
//! and motto, number, place and date, title and subject, "Kính gửi", the
//! body, "Nơi nhận", the signer), with the body's blocks in plain text.
//! Each format ([`super::html`], [`super::markdown`], [`super::docx`],
//! [`super::pdf`]) only lays this out and escapes it.

use chrono::Datelike;

use super::people::{audience, people, range, share_of};
use super::{Lang, date, list, noun, number};
use crate::areas::Level;
use crate::config::Letterhead;
use crate::domain::{Kind, names};
use crate::reports::{Figures, Summary, period};

/// A run of text, bold or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The text, unescaped.
    pub text: String,
    /// Bold.
    pub bold: bool,
}

fn plain(text: impl Into<String>) -> Run {
    Run {
        text: text.into(),
        bold: false,
    }
}

/// A part of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading ("I. KẾT QUẢ THỰC HIỆN").
    Heading(String),
    /// A paragraph of runs.
    Paragraph(Vec<Run>),
    /// A note in smaller italic type.
    Note(String),
    /// A heading for the office to write under, with dotted lines.
    ToWrite(String),
    /// A table: its header, its rows and its total row, if any; the first
    /// column is a name, the others figures.
    Table {
        /// Column headers.
        header: Vec<String>,
        /// Rows.
        rows: Vec<Vec<String>>,
        /// The total row.
        total: Option<Vec<String>>,
    },
}

/// Everything a format lays out.
#[derive(Debug, Clone)]
pub struct Document {
    /// The issuing body's lines, governing body first (blanks when unset).
    pub issuer: Vec<String>,
    /// "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and "Độc lập - Tự do - Hạnh phúc".
    pub national: [&'static str; 2],
    /// "Số:      /BC-…".
    pub number: String,
    /// "Bắc Kạn, ngày 07 tháng 12 năm 2026".
    pub date_line: String,
    /// "BÁO CÁO".
    pub kind: &'static str,
    /// The subject line, naming the period and the area.
    pub subject: String,
    /// "Kính gửi: …", when the deployment names an addressee.
    pub addressee: Option<String>,
    /// The body.
    pub body: Vec<Block>,
    /// "Nơi nhận:" and its lines.
    pub recipients: (&'static str, Vec<String>),
    /// The signer's position lines.
    pub signer: Vec<String>,
    /// The signer's name (blank when unset).
    pub signer_name: String,
    /// The language's code (`vi`, `en`).
    pub lang: &'static str,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_units_kind_is_a_common_noun_in_a_sentence() {
        for (name, want) in [
            ("Tỉnh Bắc Kạn", "tỉnh Bắc Kạn"),
            ("Thành Phố Bắc Kạn", "thành phố Bắc Kạn"),
            ("Thành phố Hà Nội", "thành phố Hà Nội"),
            ("Thị xã Sơn Tây", "thị xã Sơn Tây"),
            ("Huyện Chợ Mới", "huyện Chợ Mới"),
            ("Đặc khu Phú Quốc", "đặc khu Phú Quốc"),
            ("Bản Thử", "Bản Thử"),
        ] {
            assert_eq!(super::in_sentence(name), want);
        }
    }
}

/// A dotted blank for what the office fills in by hand.
const BLANK: &str = "……………………";

/// "Tỉnh Bắc Kạn" → "tỉnh Bắc Kạn", "Thành Phố Bắc Kạn" → "thành phố Bắc
/// Kạn" inside a sentence: the unit's kind is a common noun.
fn in_sentence(name: &str) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    let kind_words = match words.first().copied() {
        Some("Thành" | "Thị" | "Đặc") => 2,
        Some("Tỉnh" | "Huyện" | "Quận" | "Xã" | "Phường") => 1,
        _ => 0,
    }
    .min(words.len());
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i < kind_words {
                w.to_lowercase()
            } else {
                (*w).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The area's words: "trên địa bàn tỉnh Bắc Kạn" / "in Tỉnh Bắc Kạn".
fn place(s: &Summary, lang: Lang) -> String {
    match (&s.scope.area, lang) {
        (Some(a), Lang::Vi) => format!("trên địa bàn {}", in_sentence(&a.name)),
        (Some(a), Lang::En) => format!("in {}", a.name),
        (None, Lang::Vi) => "trên phạm vi cả nước".into(),
        (None, Lang::En) => "nationwide".into(),
    }
}

/// Whose figures the totals are: "trên địa bàn tỉnh Bắc Kạn", or an
/// agency's own ("của Hội Liên hiệp Phụ nữ tỉnh (hoạt động của đơn vị)").
fn whose(s: &Summary, lang: Lang) -> String {
    match (&s.scope.own, lang) {
        (Some(a), Lang::Vi) => format!("của {} (hoạt động của đơn vị)", a.name),
        (Some(a), Lang::En) => format!("of {} (its own activities)", a.name_en),
        (None, _) => place(s, lang),
    }
}

/// What the figures are limited to besides period and area, as a sentence
/// (None: nothing else).
fn filters(s: &Summary, lang: Lang) -> Option<String> {
    let vi = lang == Lang::Vi;
    let f = &s.scope;
    let mut parts = Vec::new();
    if !f.agencies.is_empty() {
        let names: Vec<String> = f
            .agencies
            .iter()
            .map(|a| {
                if vi {
                    a.name.clone()
                } else {
                    a.name_en.clone()
                }
            })
            .collect();
        parts.push(if vi {
            format!("cơ quan: {}", names.join(", "))
        } else {
            format!("agencies: {}", names.join(", "))
        });
    }
    if let Some(k) = f.kind {
        parts.push(if vi {
            format!("loại hoạt động: {}", names::kind(k))
        } else {
            format!("kind: {}", noun(k, lang))
        });
    }
    if let Some(t) = f.topic {
        parts.push(if vi {
            format!("chủ đề: {}", names::topic(t))
        } else {
            format!("topic: {}", t.as_str().replace('_', " "))
        });
    }
    if let Some(g) = f.target_group {
        parts.push(if vi {
            format!("đối tượng: {}", names::target_group(g))
        } else {
            format!("target group: {}", g.as_str().replace('_', " "))
        });
    }
    (!parts.is_empty()).then(|| {
        if vi {
            format!(
                "Số liệu trong báo cáo chỉ tính các hoạt động có {}.",
                parts.join("; ")
            )
        } else {
            format!(
                "The figures count only activities with {}.",
                parts.join("; ")
            )
        }
    })
}

/// The document for `s` with the deployment's letterhead, in `lang`.
pub fn document(s: &Summary, head: &Letterhead, lang: Lang) -> Document {
    let period = period::words(s.from, s.to, s.rule, lang);
    let subject = if lang == Lang::Vi {
        format!(
            "Kết quả công tác tuyên truyền phòng, chống mua bán người {period} {}",
            place(s, lang)
        )
    } else {
        format!(
            "Results of anti-human-trafficking outreach, {period}, {}",
            place(s, lang)
        )
    };
    Document {
        body: body(s, lang),
        ..frame(head, lang, s.made_on, subject)
    }
}

/// A report (`BÁO CÁO`) made on `day` about `subject`, with the
/// deployment's letterhead and an empty body: the parts every report of
/// the service shares (the summary, the processing register).
pub fn frame(head: &Letterhead, lang: Lang, day: chrono::NaiveDate, subject: String) -> Document {
    let vi = lang == Lang::Vi;
    let issuer = if head.issuer.is_empty() {
        vec![BLANK.to_string(), BLANK.to_string()]
    } else {
        head.issuer.clone()
    };
    let symbol = head.number_symbol.as_deref().unwrap_or("BC");
    let where_ = head.place.clone().unwrap_or_else(|| BLANK.to_string());
    let date_line = if vi {
        format!(
            "{where_}, ngày {:02} tháng {:02} năm {}",
            day.day(),
            day.month(),
            day.year()
        )
    } else {
        format!("{where_}, {}", date(day, lang))
    };
    let recipients = if head.recipients.is_empty() {
        if vi {
            vec!["Như trên;".to_string(), "Lưu: VT.".to_string()]
        } else {
            vec!["As above;".to_string(), "Archive.".to_string()]
        }
    } else {
        head.recipients.clone()
    };
    Document {
        issuer,
        national: if vi {
            [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
            ]
        } else {
            [
                "SOCIALIST REPUBLIC OF VIETNAM",
                "Independence - Freedom - Happiness",
            ]
        },
        number: if vi {
            format!("Số:        /{symbol}")
        } else {
            format!("No.:        /{symbol}")
        },
        date_line,
        kind: if vi { "BÁO CÁO" } else { "REPORT" },
        subject,
        addressee: head.addressee.as_ref().map(|a| {
            if vi {
                format!("Kính gửi: {a}")
            } else {
                format!("To: {a}")
            }
        }),
        body: Vec::new(),
        recipients: (if vi { "Nơi nhận:" } else { "Recipients:" }, recipients),
        signer: if head.signer.is_empty() {
            vec![BLANK.to_string()]
        } else {
            head.signer.clone()
        },
        signer_name: head.signer_name.clone().unwrap_or_default(),
        lang: if vi { "vi" } else { "en" },
    }
}

/// A figure, or the word for one a publication withheld.
fn n(v: Option<i64>, lang: Lang) -> String {
    match v {
        Some(v) => number(v, lang),
        None if lang == Lang::Vi => "(không công bố)".to_string(),
        None => "(withheld)".to_string(),
    }
}

fn agency_paragraph(part: &crate::reports::AgencyPart, lang: Lang) -> Block {
    let vi = lang == Lang::Vi;
    let name = if vi {
        &part.agency.name
    } else {
        &part.agency.name_en
    };
    let count = |(k, c): &(Kind, Option<i64>)| format!("{} {}", n(*c, lang), noun(*k, lang));
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
            n(m.sessions, lang),
            if vi { "buổi, lớp" } else { "sessions" }
        ));
    }
    let mut sentence = String::new();
    if !kinds.is_empty() {
        sentence.push_str(&if vi {
            format!(
                " đã tổ chức {}, với {} lượt người tham dự ({})",
                list(&kinds, lang),
                n(m.attendances, lang),
                people(m, lang)
            )
        } else {
            format!(
                " held {}, with {} person-times of attendance ({})",
                list(&kinds, lang),
                n(m.attendances, lang),
                people(m, lang)
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
            list(&media, lang),
            audience(m.audience, lang)
        ));
    }
    sentence.push('.');
    Block::Paragraph(vec![
        Run {
            text: name.clone(),
            bold: true,
        },
        plain(sentence),
    ])
}

/// The totals paragraph: sessions, person-times, people, shared people,
/// mass media and first-time people.
fn totals_paragraph(s: &Summary, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    let t = &s.totals;
    let mut total = if vi {
        format!(
            "Đã tổ chức {} buổi, lớp (hoạt động phối hợp của nhiều cơ quan và các báo cáo trùng nhau chỉ tính một lần), với {} lượt người tham dự; {}. {} người được từ hai cơ quan trở lên tuyên truyền.",
            n(t.sessions, lang),
            n(t.attendances, lang),
            people(t, lang),
            n(s.shared_people, lang)
        )
    } else {
        format!(
            "{} sessions were held (joint activities and duplicate reports count once), with {} person-times of attendance; {}. {} people were reached by two agencies or more.",
            n(t.sessions, lang),
            n(t.attendances, lang),
            people(t, lang),
            n(s.shared_people, lang)
        )
    };
    if t.media_items.is_some_and(|i| i > 0) {
        total.push(' ');
        total.push_str(&if vi {
            format!(
                "Ngoài ra, {} tin, bài, chương trình trên các phương tiện thông tin đại chúng, {} (không tính vào lượt người tham dự).",
                n(t.media_items, lang),
                audience(t.audience, lang)
            )
        } else {
            format!(
                "Besides, {} items in the mass media, {} (not counted as attendance).",
                n(t.media_items, lang),
                audience(t.audience, lang)
            )
        });
    }
    if let Some(first_time) = t.first_time {
        total.push(' ');
        total.push_str(&if vi {
            format!(
                "{} người lần đầu được tiếp cận trong kỳ.",
                n(first_time, lang)
            )
        } else {
            format!(
                "{} people were reached for the first time in the period.",
                n(first_time, lang)
            )
        });
    }
    total
}

/// Sex and age: "Trong tổng số lượt người tham dự có 3.120 lượt nữ …";
/// a figure no agency reported is left out rather than printed as a dash.
fn sex_and_age(t: &Figures, lang: Lang) -> Option<String> {
    let vi = lang == Lang::Vi;
    let parts: Vec<String> = [
        (t.female, "lượt nữ", "women and girls"),
        (t.male, "lượt nam", "men and boys"),
        (t.under_18, "lượt người dưới 18 tuổi", "under 18"),
    ]
    .into_iter()
    .filter_map(|(v, vi_words, en_words)| {
        v.map(|v| {
            format!(
                "{} {}",
                number(v, lang),
                if vi { vi_words } else { en_words }
            )
        })
    })
    .collect();
    let listed = match parts.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [init @ .., last] => {
            format!(
                "{} {} {last}",
                init.join(", "),
                if vi { "và" } else { "and" }
            )
        }
    };
    Some(if vi {
        format!(
            "Trong tổng số lượt người tham dự có {listed} (theo số các cơ quan báo cáo; hoạt động không ghi giới tính, độ tuổi không được tính)."
        )
    } else {
        format!(
            "Of the person-times, {listed} (as the agencies reported them; activities without sex or age are not counted)."
        )
    })
}

fn figures_header(first: &str, lang: Lang) -> Vec<String> {
    let words: [&str; 7] = if lang == Lang::Vi {
        [
            "Số buổi, lớp",
            "Lượt người tham dự",
            "Số người (đã loại trùng, có CCCD/SĐT)",
            "Tỷ lệ lượt có định danh",
            "Ước tính số người khác nhau",
            "Tin, bài, chương trình",
            "Lượt người nghe, xem, đọc (ước tính)",
        ]
    } else {
        [
            "Sessions",
            "Person-times",
            "Identified people (deduplicated)",
            "Identified share",
            "Estimated different people",
            "Media items",
            "Audience (estimated)",
        ]
    };
    std::iter::once(first.to_string())
        .chain(words.iter().map(|w| w.to_string()))
        .collect()
}

fn figures_row(name: &str, f: &Figures, lang: Lang) -> Vec<String> {
    vec![
        name.to_string(),
        n(f.sessions, lang),
        n(f.attendances, lang),
        n(f.unique, lang),
        share_of(f, lang).unwrap_or_else(|| "-".into()),
        range(f, lang),
        n(f.media_items, lang),
        n(f.audience, lang),
    ]
}

fn level_words(level: Level, lang: Lang) -> &'static str {
    match (level, lang) {
        (Level::Province, Lang::Vi) => "Tỉnh, thành phố",
        (Level::District, Lang::Vi) => "Huyện, thị xã, thành phố",
        (Level::Commune, Lang::Vi) => "Xã, phường, thị trấn",
        (Level::Village, Lang::Vi) => "Thôn, tổ dân phố",
        (Level::Province, Lang::En) => "Province",
        (Level::District, Lang::En) => "District",
        (Level::Commune, Lang::En) => "Commune",
        (Level::Village, Lang::En) => "Village",
    }
}

mod body;
use body::body;
