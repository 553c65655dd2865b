//! A small INI reader with the rules of Python's `configparser` that esptool's files
//! rely on: `[section]` headers, `key = value` or `key: value`, keys case-insensitive,
//! whole-line `#`/`;` comments, indented lines continuing a value, `[DEFAULT]` keys
//! shared by every section, and a repeated section or key making the file invalid.

use std::collections::BTreeMap;

/// The keys of one section, lower-cased, with their values as written.
pub type Section = BTreeMap<String, String>;

/// A parsed file: its sections by name (names are case-sensitive).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ini {
    sections: BTreeMap<String, Section>,
    defaults: Section,
}

const DEFAULT_SECTION: &str = "DEFAULT";

impl Ini {
    /// Parses `text`; `Err` says why the file is not INI (the line and what is wrong).
    pub fn parse(text: &str) -> Result<Ini, String> {
        let mut ini = Ini::default();
        let mut current: Option<String> = None;
        // The key the last line set and the indentation of that line.
        let mut last_key: Option<(String, usize)> = None;
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indent = raw.len() - raw.trim_start().len();
            if let (Some(section), Some((key, key_indent))) = (&current, &last_key)
                && indent > *key_indent
            {
                let value = ini
                    .section_mut(section)
                    .get_mut(key)
                    .expect("key set above");
                value.push('\n');
                value.push_str(trimmed);
                continue;
            }
            if trimmed.starts_with('[')
                && let Some(end) = trimmed.rfind(']')
                && end > 1
            {
                let name = trimmed[1..end].to_string();
                if name != DEFAULT_SECTION && ini.sections.contains_key(&name) {
                    return Err(format!("section '{name}' already exists (line {line_no})"));
                }
                ini.section_mut(&name);
                current = Some(name);
                last_key = None;
                continue;
            }
            let Some(section) = current.clone() else {
                return Err(format!(
                    "File contains no section headers (line {line_no}: '{trimmed}')"
                ));
            };
            let Some(at) = trimmed.find(['=', ':']) else {
                return Err(format!("parsing error at line {line_no}: '{trimmed}'"));
            };
            let key = trimmed[..at].trim().to_lowercase();
            if key.is_empty() {
                return Err(format!("parsing error at line {line_no}: '{trimmed}'"));
            }
            let value = trimmed[at + 1..].trim().to_string();
            let keys = ini.section_mut(&section);
            if keys.contains_key(&key) {
                return Err(format!(
                    "option '{key}' in section '{section}' already exists (line {line_no})"
                ));
            }
            keys.insert(key.clone(), value);
            last_key = Some((key, indent));
        }
        Ok(ini)
    }

    fn section_mut(&mut self, name: &str) -> &mut Section {
        if name == DEFAULT_SECTION {
            return &mut self.defaults;
        }
        self.sections.entry(name.to_string()).or_default()
    }

    /// The keys of section `name` (with the `[DEFAULT]` keys it does not set), if the
    /// file has that section.
    pub fn section(&self, name: &str) -> Option<Section> {
        let own = self.sections.get(name)?;
        let mut keys = self.defaults.clone();
        keys.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_configparser_syntax() {
        let ini = Ini::parse(
            "# comment\n[tool:pytest]\naddopts = -v\n\n[esptool]\n  ; indented comment\nTimeout: 5\nreset_delay = 0.5\ncustom_reset_sequence = D0|R1\n    |W0.1\n[DEFAULT]\nshared = yes\n",
        )
        .unwrap();
        let s = ini.section("esptool").unwrap();
        assert_eq!(s["timeout"], "5");
        assert_eq!(s["reset_delay"], "0.5");
        assert_eq!(s["custom_reset_sequence"], "D0|R1\n|W0.1");
        assert_eq!(s["shared"], "yes");
        assert_eq!(ini.section("tool:pytest").unwrap()["addopts"], "-v");
        assert_eq!(ini.section("ESPTOOL"), None);
    }

    #[test]
    fn refuses_what_configparser_refuses() {
        for text in [
            "timeout = 1\n[esptool]\n",
            "[esptool]\ntimeout\n",
            "[esptool]\na = 1\nA = 2\n",
            "[esptool]\n[esptool]\n",
            "[esptool]\n= 3\n",
        ] {
            assert!(Ini::parse(text).is_err(), "{text:?}");
        }
    }
}
