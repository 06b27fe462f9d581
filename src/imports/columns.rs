//! The columns of an import, one table: each column's API field, its
//! Vietnamese header (the template's), how its cells are read, and the
//! note the template's instructions give for it. The template, the reader
//! and the row messages all follow it.

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Text as typed.
    Text,
    /// A whole number (a number cell, or digits with `.` or space between
    /// thousands: "6.770").
    Count,
    /// A date cell, or `dd/mm/yyyy` text.
    Date,
    /// A kind, by its Vietnamese name or code.
    Kind,
    /// Topics, `;`-separated names or codes.
    Topics,
    /// Target groups, `;`-separated names or codes.
    TargetGroups,
    /// Agency codes, `;`-separated.
    Agencies,
    /// A unit: its code, or a label ending in its code in parentheses.
    Area,
    /// How an audience was estimated.
    Basis,
    /// An identifier type (participants sheet).
    IdType,
    /// The legal basis of the identifiers.
    LegalBasis,
    /// Who consented.
    ConsentBy,
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The API field (dotted for nested ones): also accepted as a header.
    pub field: &'static str,
    /// The Vietnamese header.
    pub header: &'static str,
    /// How its cells are read.
    pub shape: Shape,
    /// What the instructions say about it.
    pub note: &'static str,
}

/// The events sheet's columns, in the template's order.
pub const EVENT_COLUMNS: &[Column] = &[
    Column {
        field: "external_id",
        header: "Mã hoạt động",
        shape: Shape::Text,
        note: "Mã riêng của cơ quan cho hoạt động, không trùng nhau (ví dụ HPN-2024-001). Nhập lại cùng mã thì hoạt động được cập nhật, không tạo bản mới.",
    },
    Column {
        field: "kind",
        header: "Hình thức",
        shape: Shape::Kind,
        note: "Chọn trong danh sách.",
    },
    Column {
        field: "title",
        header: "Tên hoạt động",
        shape: Shape::Text,
        note: "Bắt buộc.",
    },
    Column {
        field: "description",
        header: "Mô tả",
        shape: Shape::Text,
        note: "Không bắt buộc.",
    },
    Column {
        field: "start_date",
        header: "Ngày bắt đầu",
        shape: Shape::Date,
        note: "Ô ngày hoặc dạng dd/mm/yyyy.",
    },
    Column {
        field: "end_date",
        header: "Ngày kết thúc",
        shape: Shape::Date,
        note: "Ô ngày hoặc dạng dd/mm/yyyy; không trước ngày bắt đầu.",
    },
    Column {
        field: "area_code",
        header: "Địa bàn",
        shape: Shape::Area,
        note: "Chọn trong danh sách (tên và mã đơn vị hành chính), hoặc nhập mã đơn vị.",
    },
    Column {
        field: "topics",
        header: "Chủ đề",
        shape: Shape::Topics,
        note: "Một hoặc nhiều chủ đề, cách nhau bởi dấu chấm phẩy (;).",
    },
    Column {
        field: "target_groups",
        header: "Đối tượng",
        shape: Shape::TargetGroups,
        note: "Không bắt buộc; nhiều đối tượng cách nhau bởi dấu chấm phẩy (;).",
    },
    Column {
        field: "co_organizers",
        header: "Cơ quan phối hợp",
        shape: Shape::Agencies,
        note: "Không bắt buộc; mã cơ quan, cách nhau bởi dấu chấm phẩy (;). Cơ quan được nêu tên sẽ xác nhận.",
    },
    Column {
        field: "sessions",
        header: "Số buổi",
        shape: Shape::Count,
        note: "Số buổi, lớp, tiết của bản ghi (để trống là 1).",
    },
    Column {
        field: "attendance.total",
        header: "Tổng lượt người tham dự",
        shape: Shape::Count,
        note: "Cộng tất cả các buổi. Để trống với tin, bài, chương trình trên phương tiện thông tin đại chúng.",
    },
    Column {
        field: "attendance.female",
        header: "Trong đó nữ",
        shape: Shape::Count,
        note: "Không bắt buộc.",
    },
    Column {
        field: "attendance.male",
        header: "Trong đó nam",
        shape: Shape::Count,
        note: "Không bắt buộc.",
    },
    Column {
        field: "attendance.under_18",
        header: "Trong đó dưới 18 tuổi",
        shape: Shape::Count,
        note: "Không bắt buộc.",
    },
    Column {
        field: "attendance.declared_people",
        header: "Số người khác nhau (tự đếm)",
        shape: Shape::Count,
        note: "Không bắt buộc: số người khác nhau theo sổ ký tên, không quá tổng lượt.",
    },
    Column {
        field: "audience.estimate",
        header: "Ước tính người nghe, xem, đọc",
        shape: Shape::Count,
        note: "Chỉ với phát thanh, truyền hình, loa, tờ rơi, tin bài trên mạng.",
    },
    Column {
        field: "audience.basis",
        header: "Cơ sở ước tính",
        shape: Shape::Basis,
        note: "Ước tính, Khảo sát hoặc Số liệu nền tảng (để trống là Ước tính).",
    },
    Column {
        field: "legal_basis",
        header: "Căn cứ thu thập định danh",
        shape: Shape::LegalBasis,
        note: "Khi có người tham gia ở trang Người tham gia: Đồng ý, Nghĩa vụ theo pháp luật hoặc Nhiệm vụ của cơ quan nhà nước. Bắt buộc từ 01/7/2027.",
    },
    Column {
        field: "consent_by",
        header: "Người đồng ý",
        shape: Shape::ConsentBy,
        note: "Khi căn cứ là Đồng ý: Người tham dự, hoặc Cha mẹ, người giám hộ (bắt buộc khi có mã học sinh).",
    },
    Column {
        field: "legal_reference",
        header: "Văn bản pháp luật quy định",
        shape: Shape::Text,
        note: "Khi căn cứ là nghĩa vụ hoặc nhiệm vụ: tên văn bản (bắt buộc khi có mã học sinh).",
    },
];

/// The participants sheet's columns.
pub const PARTICIPANT_COLUMNS: &[Column] = &[
    Column {
        field: "external_id",
        header: "Mã hoạt động",
        shape: Shape::Text,
        note: "Mã hoạt động ở trang Hoạt động.",
    },
    Column {
        field: "id_type",
        header: "Loại giấy tờ",
        shape: Shape::IdType,
        note: "CCCD, Số điện thoại hoặc Mã học sinh.",
    },
    Column {
        field: "value",
        header: "Số",
        shape: Shape::Text,
        note: "Số CCCD, số điện thoại hoặc mã học sinh.",
    },
    Column {
        field: "issuer",
        header: "Mã trường",
        shape: Shape::Text,
        note: "Chỉ với mã học sinh: mã trường cấp.",
    },
];

/// The events sheet's name in the template.
pub const EVENTS_SHEET: &str = "Hoạt động";
/// The participants sheet's name in the template.
pub const PARTICIPANTS_SHEET: &str = "Người tham gia";
/// The instructions sheet's name.
pub const INSTRUCTIONS_SHEET: &str = "Hướng dẫn";

/// The column a header names (its Vietnamese header, any case or accents,
/// or its API field).
pub fn column_of<'a>(columns: &'a [Column], header: &str) -> Option<&'a Column> {
    let folded = crate::domain::names::fold(header.trim());
    columns
        .iter()
        .find(|c| c.field == header.trim() || crate::domain::names::fold(c.header) == folded)
}
