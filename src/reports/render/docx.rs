//! The report as a Word document (`.docx`, editable in Word and
//! LibreOffice): A4, the decree's margins (left 30 mm, right, top and
//! bottom 20 mm), Times New Roman 14 pt, the page number centred at the top
//! from page 2, the letterhead and the signature block as borderless
//! tables, figures' tables with borders.

use docx_rs::{
    AlignmentType, Docx, Header, LineSpacing, PageMargin, PageNum, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

use super::document::{Block, Document};

/// `n` millimetres in twentieths of a point.
const fn mm(n: i32) -> i32 {
    (n * 14400 + 127) / 254
}
/// The text width: A4 (210 mm) less 30 + 20 mm of margins, in twips.
const TEXT_WIDTH: usize = 9070;

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

/// How a heading line is set.
#[derive(Clone, Copy, PartialEq)]
enum Look {
    Plain,
    Bold,
    /// The motto: bold, underlined (Decree 30, Appendix I).
    Underlined,
    Italic,
}

fn centred(lines: &[(&str, Look)], size: usize) -> Vec<Paragraph> {
    lines
        .iter()
        .map(|&(text, look)| {
            let r = Run::new().add_text(text).size(size);
            let r = match look {
                Look::Plain => r,
                Look::Bold => r.bold(),
                Look::Underlined => r.bold().underline("single"),
                Look::Italic => r.italic(),
            };
            Paragraph::new().align(AlignmentType::Center).add_run(r)
        })
        .collect()
}

fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    let mut c = TableCell::new().width(width, WidthType::Dxa);
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

/// Two borderless columns: the letterhead, the signature block.
fn two_columns(left: Vec<Paragraph>, right: Vec<Paragraph>, split: usize) -> Table {
    Table::without_borders(vec![TableRow::new(vec![
        cell(left, split),
        cell(right, TEXT_WIDTH - split),
    ])])
    .set_grid(vec![split, TEXT_WIDTH - split])
    .width(TEXT_WIDTH, WidthType::Dxa)
}

fn figures_table(header: &[String], rows: &[Vec<String>], total: Option<&Vec<String>>) -> Table {
    let first = 2400;
    let other = (TEXT_WIDTH - first) / (header.len().max(2) - 1);
    let widths: Vec<usize> = (0..header.len())
        .map(|i| if i == 0 { first } else { other })
        .collect();
    let row = |cells: &[String], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let mut r = Run::new().add_text(text).size(22);
                    if bold {
                        r = r.bold();
                    }
                    let p = Paragraph::new()
                        .align(if i == 0 {
                            AlignmentType::Left
                        } else {
                            AlignmentType::Right
                        })
                        .add_run(r);
                    cell(vec![p], widths[i])
                })
                .collect(),
        )
    };
    let mut all = vec![row(header, true).cant_split()];
    all.extend(rows.iter().map(|r| row(r, false).cant_split()));
    if let Some(t) = total {
        all.push(row(t, true).cant_split());
    }
    Table::new(all)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// The document as `.docx` bytes.
pub fn docx(d: &Document) -> Result<Vec<u8>, String> {
    let body_indent = |p: Paragraph| {
        p.align(AlignmentType::Both)
            .indent(None, Some(SpecialIndentType::FirstLine(567)), None, None)
            .line_spacing(LineSpacing::new().before(60).after(60))
    };
    let cut = d.issuer.len().saturating_sub(1);
    let mut left: Vec<(&str, Look)> = d.issuer[..cut]
        .iter()
        .map(|l| (l.as_str(), Look::Plain))
        .collect();
    left.extend(d.issuer[cut..].iter().map(|l| (l.as_str(), Look::Bold)));
    left.push(("", Look::Plain));
    left.push((d.number.as_str(), Look::Plain));
    let right = [
        (d.national[0], Look::Bold),
        (d.national[1], Look::Underlined),
        ("", Look::Plain),
        (d.date_line.as_str(), Look::Italic),
    ];
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: mm(20),
            left: mm(30),
            bottom: mm(20),
            right: mm(20),
            header: mm(10),
            footer: mm(10),
            gutter: 0,
        })
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman")
                .east_asia("Times New Roman"),
        )
        .default_size(28)
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        )
        .first_header(Header::new())
        .add_table(two_columns(centred(&left, 26), centred(&right, 26), 3300))
        .add_paragraph(Paragraph::new())
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(d.kind).bold()),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(&d.subject).bold()),
        );
    if let Some(a) = &d.addressee {
        doc = doc.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(a)),
        );
    }
    doc = doc.add_paragraph(Paragraph::new());
    for b in &d.body {
        doc = match b {
            Block::Heading(t) => doc.add_paragraph(
                Paragraph::new()
                    .keep_next(true)
                    .line_spacing(LineSpacing::new().before(120).after(60))
                    .add_run(Run::new().add_text(t).bold()),
            ),
            Block::Paragraph(runs) => {
                let mut p = Paragraph::new();
                for r in runs {
                    let mut run = Run::new().add_text(&r.text);
                    if r.bold {
                        run = run.bold();
                    }
                    p = p.add_run(run);
                }
                doc.add_paragraph(body_indent(p))
            }
            Block::Note(t) => doc.add_paragraph(body_indent(
                Paragraph::new().add_run(Run::new().add_text(t).italic().size(24)),
            )),
            Block::ToWrite(t) => doc
                .add_paragraph(
                    Paragraph::new()
                        .keep_next(true)
                        .line_spacing(LineSpacing::new().before(120).after(60))
                        .add_run(Run::new().add_text(t).bold()),
                )
                .add_paragraph(body_indent(para(&"…".repeat(50)))),
            Block::Table {
                header,
                rows,
                total,
            } => doc
                .add_table(figures_table(header, rows, total.as_ref()))
                .add_paragraph(Paragraph::new()),
        };
    }
    let mut recv = vec![
        Paragraph::new().add_run(Run::new().add_text(d.recipients.0).bold().italic().size(24)),
    ];
    recv.extend(
        d.recipients
            .1
            .iter()
            .map(|r| Paragraph::new().add_run(Run::new().add_text(format!("- {r}")).size(22))),
    );
    let mut sign: Vec<Paragraph> = d
        .signer
        .iter()
        .map(|l| {
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(l).bold())
        })
        .collect();
    for _ in 0..4 {
        sign.push(Paragraph::new());
    }
    sign.push(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text(&d.signer_name).bold()),
    );
    doc = doc
        .add_paragraph(Paragraph::new())
        .add_table(two_columns(recv, sign, 4300));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| format!("writing the Word document: {e}"))?;
    Ok(out.into_inner())
}
