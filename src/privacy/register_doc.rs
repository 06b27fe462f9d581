//! The processing register as a document for the impact-assessment dossier
//! (Decree 356/2025/NĐ-CP): a report (`BÁO CÁO`) with the deployment's
//! letterhead, laid out in Word or PDF by the same renderers as the summary
//! report ([`crate::reports::render`]), in Vietnamese.

use chrono::Datelike;

use super::register::Register;
use crate::config::Letterhead;
use crate::reports::render::document::{Block, Document, Run, frame};
use crate::reports::render::{Format, Lang, number, render_document};

/// How each legal basis reads in the document.
const BASIS_WORDS: &[(&str, &str)] = &[
    (
        "consent",
        "Sự đồng ý của chủ thể dữ liệu (của người đại diện theo pháp luật với trẻ em)",
    ),
    (
        "legal_obligation",
        "Thực hiện nghĩa vụ theo quy định của pháp luật",
    ),
    (
        "public_task",
        "Thực hiện nhiệm vụ vì lợi ích công cộng, hoạt động của cơ quan nhà nước",
    ),
    ("unknown", "Chưa ghi nhận cơ sở pháp lý"),
];

fn paragraph(text: impl Into<String>) -> Block {
    Block::Paragraph(vec![Run {
        text: text.into(),
        bold: false,
    }])
}

fn bullet(text: &str) -> Block {
    paragraph(format!("- {text}"))
}

/// The register `r` as a document.
pub fn document(r: &Register, head: &Letterhead) -> Document {
    let at = r.as_of.with_timezone(&crate::domain::calendar::vietnam());
    let n = |v: i64| number(v, Lang::Vi);
    let mut body = vec![
        paragraph(format!(
            "Số liệu tại thời điểm {:02} giờ {:02}, ngày {:02}/{:02}/{}. Định danh của người tham gia chỉ được lưu dưới dạng mã băm có khóa; tài liệu này không chứa dữ liệu cá nhân của ai.",
            at.format("%H"),
            at.format("%M"),
            at.day(),
            at.month(),
            at.year()
        )),
        Block::Heading("I. BÊN KIỂM SOÁT VÀ MỤC ĐÍCH XỬ LÝ".into()),
    ];
    if !r.controller.is_empty() {
        body.push(paragraph(format!(
            "Bên kiểm soát dữ liệu: {}.",
            r.controller.join(" - ")
        )));
    }
    body.extend(r.purposes.iter().map(|p| bullet(p)));
    body.push(Block::Heading("II. LOẠI DỮ LIỆU CÁ NHÂN".into()));
    body.extend(r.data_categories.iter().map(|c| {
        bullet(&format!(
            "{}{}",
            c.description,
            if c.children {
                ": dữ liệu của trẻ em"
            } else {
                ""
            }
        ))
    }));
    body.push(Block::Heading("III. CƠ SỞ PHÁP LÝ".into()));
    body.push(paragraph(
        "Số hoạt động đang lưu người tham gia được định danh, theo cơ sở pháp lý do cơ quan báo cáo nêu:",
    ));
    body.push(Block::Table {
        header: vec![
            "Cơ sở pháp lý".into(),
            "Số hoạt động".into(),
            "Trong đó có dữ liệu trẻ em".into(),
        ],
        rows: r
            .legal_bases
            .iter()
            .map(|b| {
                let words = BASIS_WORDS
                    .iter()
                    .find(|(k, _)| *k == b.legal_basis)
                    .map_or(b.legal_basis.as_str(), |(_, w)| w);
                vec![words.to_string(), n(b.events), n(b.events_with_children)]
            })
            .collect(),
        total: Some(vec![
            "Tổng".into(),
            n(r.legal_bases.iter().map(|b| b.events).sum()),
            n(r.legal_bases.iter().map(|b| b.events_with_children).sum()),
        ]),
    });
    body.push(Block::Heading("IV. BÊN NHẬN DỮ LIỆU".into()));
    body.extend(r.recipients.iter().map(|t| bullet(t)));
    body.push(Block::Heading("V. THỜI HẠN LƯU TRỮ".into()));
    body.push(paragraph(r.retention.clone()));
    body.push(Block::Heading("VI. BIỆN PHÁP BẢO VỆ".into()));
    body.extend(r.security_measures.iter().map(|t| bullet(t)));
    let key = &r.participant_key;
    body.push(paragraph(match key.last_rotation_finished_at {
        Some(t) => format!(
            "Khóa băm đã được thay {} lần, lần gần nhất xong ngày {}.",
            key.epoch,
            t.with_timezone(&crate::domain::calendar::vietnam())
                .format("%d/%m/%Y")
        ),
        None if key.rotating => "Khóa băm đang được thay.".to_string(),
        None => "Khóa băm chưa được thay lần nào.".to_string(),
    }));
    body.push(Block::Heading("VII. SỐ LIỆU".into()));
    let f = &r.figures;
    body.push(Block::Table {
        header: vec!["Chỉ tiêu".into(), "Số lượng".into()],
        rows: [
            ("Định danh đang lưu (mã băm)", f.identifiers_held),
            (
                "Hoạt động đang lưu người được định danh",
                f.events_with_identifiers,
            ),
            ("Định danh đã xóa theo yêu cầu", f.identifiers_erased),
            ("Yêu cầu của người có dữ liệu đang mở", f.requests_open),
            ("Trong đó quá hạn", f.requests_overdue),
            ("Yêu cầu đã giải quyết", f.requests_done),
            ("Sự cố đã ghi nhận", f.breaches),
            ("Sự cố chưa thông báo", f.breaches_not_notified),
        ]
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), n(v)])
        .collect(),
        total: None,
    });
    crate::reports::render::document::Document {
        body,
        ..frame(
            head,
            Lang::Vi,
            at.date_naive(),
            "Tình hình xử lý dữ liệu cá nhân trong hệ thống theo dõi công tác tuyên truyền phòng, chống mua bán người (phục vụ hồ sơ đánh giá tác động xử lý dữ liệu cá nhân)".into(),
        )
    }
}

/// The register as a Word or PDF file.
pub fn render(r: &Register, head: &Letterhead, format: Format) -> Result<Vec<u8>, String> {
    render_document(&document(r, head), format)
}
