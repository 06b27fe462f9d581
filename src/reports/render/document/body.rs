//! The report's body, in the order of a provincial báo cáo: what the
//! figures cover, each agency's results, the totals without double
//! counting (sex and age, a year earlier), the tables, the headed sections
//! the office writes, and the method note.

use super::{
    Block, agency_paragraph, figures_header, figures_row, filters, level_words, n, plain,
    sex_and_age, totals_paragraph, whose,
};
use crate::reports::render::{Lang, date};
use crate::reports::{Summary, period};

/// A change from a year earlier: "+12,5%", or "-" without a base.
fn change(now: Option<i64>, before: Option<i64>, lang: Lang) -> String {
    match (now, before) {
        (Some(a), Some(b)) if b > 0 => {
            let pct = (a - b) as f64 * 100.0 / b as f64;
            let text = format!("{:+.1}%", pct);
            if lang == Lang::Vi {
                text.replace('.', ",")
            } else {
                text
            }
        }
        _ => "-".into(),
    }
}

pub(super) fn body(s: &Summary, lang: Lang) -> Vec<Block> {
    let vi = lang == Lang::Vi;
    let mut out = Vec::new();
    let words = period::words(s.from, s.to, s.rule, lang);
    // A named period also gives its dates.
    let dates = match (s.from, s.to) {
        (Some(f), Some(t)) if period::Named::of(f, t, s.rule).is_some() => {
            if vi {
                format!(" (từ ngày {} đến ngày {})", date(f, lang), date(t, lang))
            } else {
                format!(" ({} to {})", date(f, lang), date(t, lang))
            }
        }
        _ => String::new(),
    };
    let mut scope = vec![plain(if vi {
        format!("Kỳ báo cáo: {words}{dates}.")
    } else {
        format!("Period: {words}{dates}.")
    })];
    if let Some(f) = filters(s, lang) {
        scope.push(plain(format!(" {f}")));
    }
    out.push(Block::Paragraph(scope));

    out.push(Block::Heading(
        if vi {
            "I. KẾT QUẢ THỰC HIỆN"
        } else {
            "I. RESULTS"
        }
        .into(),
    ));
    out.push(Block::Heading(
        if vi {
            "1. Kết quả của từng cơ quan, đơn vị"
        } else {
            "1. Each agency's work"
        }
        .into(),
    ));
    for part in &s.agencies {
        out.push(agency_paragraph(part, lang));
    }
    if s.agencies.is_empty() {
        out.push(Block::Paragraph(vec![plain(if vi {
            "Không có hoạt động nào trong kỳ."
        } else {
            "No activity in the period."
        })]));
    }

    out.push(Block::Heading(if vi {
        format!("2. Tổng hợp {} (không tính trùng)", whose(s, lang))
    } else {
        format!("2. Totals {} (without double counting)", whose(s, lang))
    }));
    out.push(Block::Paragraph(vec![plain(totals_paragraph(s, lang))]));
    if let Some(t) = sex_and_age(&s.totals, lang) {
        out.push(Block::Paragraph(vec![plain(t)]));
    }

    let total_label = if vi {
        "Tổng (không tính trùng)"
    } else {
        "Total (no double counting)"
    };
    out.push(Block::Heading(
        if vi {
            "3. Số liệu theo cơ quan, đơn vị"
        } else {
            "3. By agency"
        }
        .into(),
    ));
    out.push(Block::Table {
        header: figures_header(if vi { "Cơ quan, đơn vị" } else { "Agency" }, lang),
        rows: s
            .agencies
            .iter()
            .map(|p| {
                let name = if vi {
                    &p.agency.name
                } else {
                    &p.agency.name_en
                };
                figures_row(name, &p.figures, lang)
            })
            .collect(),
        total: Some(figures_row(total_label, &s.totals, lang)),
    });
    out.push(Block::Note(
        if vi {
            "Một hoạt động phối hợp được tính cho từng cơ quan tổ chức, nên cộng các dòng có thể lớn hơn dòng tổng; số người của các cơ quan không cộng lại được."
        } else {
            "A joint activity counts for each of its organisers, so the rows may add up to more than the total; people cannot be added across agencies."
        }
        .into(),
    ));

    let mut section = 4;
    if let Some(below) = &s.below {
        let level = super::level_words(below.level, lang);
        out.push(Block::Heading(if vi {
            format!(
                "{section}. Số liệu theo đơn vị hành chính ({})",
                level.to_lowercase()
            )
        } else {
            format!(
                "{section}. By administrative unit ({})",
                level.to_lowercase()
            )
        }));
        section += 1;
        let unplaced = if vi {
            "Hoạt động cấp trên (không thuộc đơn vị nào)"
        } else {
            "Held above this level"
        };
        out.push(Block::Table {
            header: figures_header(level_words(below.level, lang), lang),
            rows: below
                .rows
                .iter()
                .map(|(name, f)| {
                    figures_row(if name.is_empty() { unplaced } else { name }, f, lang)
                })
                .collect(),
            total: Some(figures_row(total_label, &s.totals, lang)),
        });
    }

    if let Some(before) = &s.year_before {
        let t = &s.totals;
        out.push(Block::Heading(if vi {
            format!("{section}. So sánh với cùng kỳ năm trước")
        } else {
            format!("{section}. Compared with the same period a year earlier")
        }));
        let header = if vi {
            vec!["Chỉ tiêu", "Kỳ này", "Cùng kỳ năm trước", "Tăng, giảm"]
        } else {
            vec!["Figure", "This period", "A year earlier", "Change"]
        };
        let row = |name: &str, a: Option<i64>, b: Option<i64>| {
            vec![name.to_string(), n(a, lang), n(b, lang), change(a, b, lang)]
        };
        let names: [&str; 5] = if vi {
            [
                "Số hoạt động",
                "Số buổi, lớp",
                "Lượt người tham dự",
                "Số người (đã loại trùng, có CCCD/SĐT)",
                "Lượt nữ tham dự",
            ]
        } else {
            [
                "Activities",
                "Sessions",
                "Person-times",
                "Identified people",
                "Person-times of women and girls",
            ]
        };
        out.push(Block::Table {
            header: header.into_iter().map(str::to_string).collect(),
            rows: vec![
                row(names[0], t.events, before.events),
                row(names[1], t.sessions, before.sessions),
                row(names[2], t.attendances, before.attendances),
                row(names[3], t.unique, before.unique),
                row(names[4], t.female, before.female),
            ],
            total: None,
        });
    }

    let sections: [&str; 3] = if vi {
        [
            "II. ĐÁNH GIÁ CHUNG",
            "III. TỒN TẠI, HẠN CHẾ",
            "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ",
        ]
    } else {
        [
            "II. OVERALL ASSESSMENT",
            "III. SHORTCOMINGS",
            "IV. DIRECTIONS AND TASKS",
        ]
    };
    for h in sections {
        out.push(Block::ToWrite(h.into()));
    }
    out.push(method_note(s, lang));
    out
}

/// What a reader needs to defend the figures: when they were read, whether
/// the period is locked, what "người" means.
fn method_note(s: &Summary, lang: Lang) -> Block {
    let vi = lang == Lang::Vi;
    let as_of = s
        .as_of
        .with_timezone(&crate::domain::calendar::vietnam())
        .format("%H:%M %d/%m/%Y")
        .to_string();
    let mut note = if vi {
        format!(
            "Ghi chú về số liệu: số liệu đọc lúc {as_of} (giờ Việt Nam) từ dữ liệu các cơ quan ghi nhận. "
        )
    } else {
        format!("About the figures: read at {as_of} (Vietnam time) from the agencies' records. ")
    };
    if let Some(src) = &s.source {
        note.push_str(&if vi {
            format!(
                "Số liệu theo bản công bố kỳ {}, phiên bản {} (SHA-256 {}); ô \"không công bố\" được giữ lại để không thể suy ra số nhỏ.{} ",
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
                "Figures from the publication of {}, version {} (SHA-256 {}); withheld values are kept back so that small counts cannot be worked out.{} ",
                src.period,
                src.version,
                src.sha256,
                if src.names_stored {
                    ""
                } else {
                    " Agency names are today's (this version did not store names)."
                }
            )
        });
    } else if s.locked.is_empty() {
        note.push_str(if vi {
            "Kỳ báo cáo chưa khóa sổ: số liệu có thể còn thay đổi khi các cơ quan bổ sung, sửa chữa. "
        } else {
            "The period is not locked: the figures may still change as agencies add or correct records. "
        });
    } else {
        note.push_str(&if vi {
            format!(
                "Kỳ đã khóa sổ: {}; số liệu đã ký là bản công bố của kỳ. ",
                s.locked.join(", ")
            )
        } else {
            format!(
                "Locked periods covered: {}; the signed figures are the period's publication. ",
                s.locked.join(", ")
            )
        });
    }
    note.push_str(if vi {
        "Lượt người là số lần tham dự. \"Số người (đã loại trùng, có CCCD/SĐT)\" là số người khác nhau có số định danh (căn cước công dân, số điện thoại, mã học sinh), mỗi người chỉ tính một lần dù tham dự nhiều hoạt động; số người của các cơ quan không cộng lại với nhau. Tỷ lệ định danh tính mỗi người được định danh một lần trong mỗi hoạt động, nên với hoạt động gồm nhiều buổi, tỷ lệ thực tế có thể cao hơn. Khoảng ước tính số người khác nhau dựa trên số người định danh, số người cơ quan tự đếm và số lượt tham dự mỗi buổi. Người nghe, xem, đọc trên phương tiện thông tin đại chúng là số ước tính, không tính vào lượt người tham dự."
    } else {
        "Person-times count attendances. Identified people count different persons with an identifier (citizen id, phone, student id), each once however many activities they attended; people are never added across agencies. The identified share counts each identified person once per activity, so with activities of several sessions the true share may be higher. The range of different people rests on the identified people, the people agencies counted themselves and the attendance per session. Mass-media audiences are estimates and are not attendance."
    });
    Block::Note(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_signed_percentages() {
        assert_eq!(change(Some(150), Some(100), Lang::Vi), "+50,0%");
        assert_eq!(change(Some(90), Some(120), Lang::En), "-25.0%");
        assert_eq!(change(Some(5), Some(0), Lang::Vi), "-");
        assert_eq!(change(None, Some(3), Lang::Vi), "-");
    }
}
