//! The report as PDF, laid out inside the service by Typst (used as a
//! library: no office suite, no outside file): A4, the decree's margins,
//! the page number centred at the top from page 2, tables that break across
//! pages with their header repeated, and Liberation Serif (a freely
//! licensed font with the metrics of Times New Roman, shipped in
//! `assets/fonts/` and embedded in every file).
//!
//! Every text from the data goes into the Typst source as a string literal
//! (`#"…"`), so no name or figure can be read as markup.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use super::document::{Block, Document};

/// The shipped fonts (SIL Open Font License, `assets/fonts/OFL.txt`).
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let files: [&'static [u8]; 4] = [
        include_bytes!("../../../assets/fonts/LiberationSerif-Regular.ttf"),
        include_bytes!("../../../assets/fonts/LiberationSerif-Bold.ttf"),
        include_bytes!("../../../assets/fonts/LiberationSerif-Italic.ttf"),
        include_bytes!("../../../assets/fonts/LiberationSerif-BoldItalic.ttf"),
    ];
    let fonts: Vec<Font> = files
        .into_iter()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// One compilation's world: the report's source, the shipped fonts, no files.
struct Report {
    main: Source,
}

impl World for Report {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// A Typst string literal.
fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    out.push_str("#\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn bold(text: &str) -> String {
    format!("#strong[{}]", lit(text))
}

fn lines(items: &[String], each: impl Fn(&str) -> String) -> String {
    items
        .iter()
        .map(|l| each(l))
        .collect::<Vec<_>>()
        .join(" \\\n")
}

fn table(header: &[String], rows: &[Vec<String>], total: Option<&Vec<String>>) -> String {
    let columns = std::iter::once("2.2fr".to_string())
        .chain((1..header.len()).map(|_| "1fr".to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    let align = std::iter::once("left")
        .chain((1..header.len()).map(|_| "right"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "#block[#set text(size: 10pt)\n#set par(first-line-indent: 0pt, justify: false)\n#table(columns: ({columns}), align: ({align}), stroke: 0.5pt, inset: 3pt,\n  table.header({}),\n",
        header
            .iter()
            .map(|h| format!("[{}]", bold(h)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for r in rows {
        out.push_str("  ");
        out.push_str(
            &r.iter()
                .map(|c| format!("[{}]", lit(c)))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str(",\n");
    }
    if let Some(t) = total {
        out.push_str("  ");
        out.push_str(
            &t.iter()
                .map(|c| format!("[{}]", bold(c)))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str(",\n");
    }
    out.push_str(")]\n");
    out
}

/// The document's Typst source.
pub fn source(d: &Document) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "#set document(title: {})\n",
        &lit(&format!("{} {}", d.kind, d.subject))[1..]
    ));
    s.push_str(
        "#set page(paper: \"a4\", margin: (left: 30mm, right: 20mm, top: 20mm, bottom: 20mm), \
         header: context { let p = counter(page).get().first(); if p > 1 { align(center, text(size: 13pt, str(p))) } })\n",
    );
    s.push_str(&format!(
        "#set text(font: \"Liberation Serif\", size: 14pt, lang: \"{}\")\n",
        d.lang
    ));
    s.push_str("#set par(justify: true, first-line-indent: (amount: 1cm, all: true), spacing: 0.75em, leading: 0.6em)\n");
    let cut = d.issuer.len().saturating_sub(1);
    let motto = format!("#underline(offset: 3pt)[{}]", bold(d.national[1]));
    s.push_str(&format!(
        "#grid(columns: (40%, 60%), align: center + top, gutter: 4pt,\n  [#set par(first-line-indent: 0pt, justify: false)\n#text(size: 13pt)[{}{}] \\\n#v(0.2em)#text(size: 13pt)[{}]],\n  [#set par(first-line-indent: 0pt, justify: false)\n#text(size: 13pt)[{}] \\\n{} \\\n#v(0.3em)#emph[{}]])\n",
        if cut > 0 {
            format!("{} \\\n", lines(&d.issuer[..cut], lit))
        } else {
            String::new()
        },
        lines(&d.issuer[cut..], bold),
        lit(&d.number),
        bold(d.national[0]),
        motto,
        lit(&d.date_line),
    ));
    s.push_str(&format!(
        "#v(1em)\n#align(center)[#set par(first-line-indent: 0pt)\n{} \\\n{}]\n",
        bold(d.kind),
        bold(&d.subject)
    ));
    if let Some(a) = &d.addressee {
        s.push_str(&format!("#align(center)[{}]\n", lit(a)));
    }
    s.push_str("#v(0.5em)\n");
    for b in &d.body {
        match b {
            Block::Heading(t) => {
                s.push_str(&format!(
                    "#block(sticky: true, above: 1em, below: 0.6em)[{}]\n",
                    bold(t)
                ));
            }
            Block::Paragraph(runs) => {
                let text: String = runs
                    .iter()
                    .map(|r| if r.bold { bold(&r.text) } else { lit(&r.text) })
                    .collect();
                s.push_str(&format!("#par[{text}]\n"));
            }
            Block::Note(t) => {
                s.push_str(&format!(
                    "#par[#text(size: 12pt, style: \"italic\")[{}]]\n",
                    lit(t)
                ));
            }
            Block::ToWrite(t) => {
                s.push_str(&format!(
                    "#block(sticky: true, above: 1em, below: 0.6em)[{}]\n#par[{}]\n",
                    bold(t),
                    lit(&"…".repeat(50))
                ));
            }
            Block::Table {
                header,
                rows,
                total,
            } => s.push_str(&table(header, rows, total.as_ref())),
        }
    }
    s.push_str(&format!(
        "#v(1.5em)\n#block(breakable: false)[#grid(columns: (45%, 55%), align: (left + top, center + top),\n  [#set par(first-line-indent: 0pt, justify: false)\n#text(size: 12pt, style: \"italic\", weight: \"bold\")[{}] \\\n#text(size: 11pt)[{}]],\n  [#set par(first-line-indent: 0pt, justify: false)\n{} \\\n#v(25mm)\n{}])]\n",
        lit(d.recipients.0),
        lines(&d.recipients.1, |r| lit(&format!("- {r}"))),
        lines(&d.signer, bold),
        bold(&d.signer_name),
    ));
    s
}

/// The document as PDF bytes.
pub fn pdf(d: &Document) -> Result<Vec<u8>, String> {
    let path = VirtualPath::new("report.typ").map_err(|e| format!("the report's path: {e:?}"))?;
    let world = Report {
        main: Source::new(
            FileId::new(RootedPath::new(VirtualRoot::Project, path)),
            source(d),
        ),
    };
    let compiled: Result<PagedDocument, _> = typst::compile(&world).output;
    // Typst memoises across compilations; keep only what recent reports used.
    typst::comemo::evict(10);
    let doc = compiled.map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        format!("laying out the report: {}", messages.join("; "))
    })?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        format!("writing the PDF: {}", messages.join("; "))
    })
}
