//! A minimal XML writer for awsQuery replies: elements and escaped text, nothing more.

use std::fmt::Write;

#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    pub fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// Opens `<name xmlns="ns">`.
    pub fn open_ns(&mut self, name: &str, ns: &str) -> &mut Self {
        let _ = write!(self.out, "<{name} xmlns=\"{}\">", escape(ns));
        self
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>");
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "</{name}>");
        self
    }

    /// `<name>text</name>`, text escaped.
    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>{}</{name}>", escape(text));
        self
    }

    pub fn opt_text(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(name, t);
        }
        self
    }

    pub fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        self.text(name, if value { "true" } else { "false" })
    }

    /// `<name><item>a</item><item>b</item></name>`.
    pub fn list(&mut self, name: &str, item: &str, values: &[String]) -> &mut Self {
        self.open(name);
        for v in values {
            self.text(item, v);
        }
        self.close(name)
    }

    pub fn finish(self) -> String {
        self.out
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_nests() {
        let mut x = Xml::new();
        x.open_ns("R", "urn:x")
            .text("A", "a<b&'c'")
            .list("L", "member", &["1".into()]);
        x.close("R");
        let s = x.finish();
        assert!(s.ends_with(
            "<R xmlns=\"urn:x\"><A>a&lt;b&amp;&apos;c&apos;</A><L><member>1</member></L></R>"
        ));
    }
}
