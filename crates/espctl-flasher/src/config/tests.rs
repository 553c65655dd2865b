use super::*;
use std::fs;

struct Places {
    _root: tempfile::TempDir,
    cwd: PathBuf,
    user: PathBuf,
    home: PathBuf,
}

fn places() -> Places {
    let root = tempfile::tempdir().unwrap();
    let (cwd, home) = (root.path().join("cwd"), root.path().join("home"));
    let user = home.join(".config").join("esptool");
    for d in [&cwd, &user] {
        fs::create_dir_all(d).unwrap();
    }
    Places {
        _root: root,
        cwd,
        user,
        home,
    }
}

impl Places {
    fn search(&self, env_file: Option<PathBuf>) -> SearchPlaces {
        SearchPlaces {
            env_file,
            dirs: vec![self.cwd.clone(), self.user.clone(), self.home.clone()],
        }
    }
}

fn loaded_from(l: &Loaded) -> (PathBuf, bool) {
    match l.notes.last() {
        Some(ConfigNote::Loaded { path, from_env }) => (path.clone(), *from_env),
        other => panic!("no Loaded note: {other:?}"),
    }
}

#[test]
fn searches_in_esptools_order() {
    let p = places();
    assert_eq!(load(&p.search(None)).unwrap(), Loaded::default());

    fs::write(p.home.join("tox.ini"), "[esptool]\nconnect_attempts = 4\n").unwrap();
    let l = load(&p.search(None)).unwrap();
    assert_eq!(l.config.connect_attempts, Some(4));
    assert_eq!(loaded_from(&l), (p.home.join("tox.ini"), false));

    fs::write(
        p.user.join("setup.cfg"),
        "[esptool]\nconnect_attempts = 3\n",
    )
    .unwrap();
    assert_eq!(
        load(&p.search(None)).unwrap().config.connect_attempts,
        Some(3)
    );

    // A file of the current folder without the section does not hide the others.
    fs::write(p.cwd.join("setup.cfg"), "[flake8]\nmax-line-length = 88\n").unwrap();
    assert_eq!(
        load(&p.search(None)).unwrap().config.connect_attempts,
        Some(3)
    );
    fs::write(p.cwd.join("tox.ini"), "[esptool]\nconnect_attempts = 2\n").unwrap();
    assert_eq!(
        load(&p.search(None)).unwrap().config.connect_attempts,
        Some(2)
    );
    fs::write(
        p.cwd.join("esptool.cfg"),
        "[esptool]\nconnect_attempts = 1\n",
    )
    .unwrap();
    let l = load(&p.search(None)).unwrap();
    assert_eq!(l.config.connect_attempts, Some(1));
    assert_eq!(l.path, Some(p.cwd.join("esptool.cfg")));

    // ESPTOOL_CFGFILE comes first, when it names a file with the section.
    let own = p.home.join("mine.conf");
    fs::write(&own, "[esptool]\nconnect_attempts = 9\n").unwrap();
    let l = load(&p.search(Some(own.clone()))).unwrap();
    assert_eq!(l.config.connect_attempts, Some(9));
    assert_eq!(loaded_from(&l), (own.clone(), true));
    fs::write(&own, "[other]\nconnect_attempts = 9\n").unwrap();
    let l = load(&p.search(Some(own))).unwrap();
    assert_eq!(l.config.connect_attempts, Some(1));
    let l = load(&p.search(Some(p.home.join("missing.cfg")))).unwrap();
    assert_eq!(loaded_from(&l), (p.cwd.join("esptool.cfg"), false));
}

#[test]
fn reads_every_key_and_notes_the_unknown_ones() {
    let p = places();
    fs::write(
        p.cwd.join("esptool.cfg"),
        "[esptool]\ntimeout = 5\nchip_erase_timeout = 200\nmax_timeout = 1_000\nsync_timeout = 0.5\nmd5_timeout_per_mb = 9\nerase_region_timeout_per_mb = 41\nerase_write_timeout_per_mb = 42\nmem_end_rom_timeout = 0.3\nserial_write_timeout = 11\nconnect_attempts = -1\nwrite_block_attempts = 5\nreset_delay = 0.25\nopen_port_attempts = 0\ncustom_reset_sequence = D0|R1|W0.1|D1|R0|W0.05|D0\ncustom_hard_reset_sequence = R1|W0.1|R0\nzeta = 1\nalpha = 2\n",
    )
    .unwrap();
    let l = load(&p.search(None)).unwrap();
    let c = &l.config;
    assert_eq!(c.timeout, Some(Duration::from_secs(5)));
    assert_eq!(c.max_timeout, Some(Duration::from_secs(1000)));
    assert_eq!(c.sync_timeout, Some(Duration::from_millis(500)));
    assert_eq!(c.erase_write_timeout_per_mb, Some(42.0));
    assert_eq!(c.reset_delay, Some(Duration::from_millis(250)));
    assert_eq!(
        (
            c.connect_attempts,
            c.write_block_attempts,
            c.open_port_attempts
        ),
        (Some(-1), Some(5), Some(0))
    );
    assert_eq!(c.custom_hard_reset_sequence.as_deref(), Some("R1|W0.1|R0"));
    assert_eq!(
        l.notes[0],
        ConfigNote::UnknownKeys(vec!["alpha".into(), "zeta".into()])
    );
}

#[test]
fn refuses_values_esptool_cannot_read() {
    let p = places();
    for (line, key) in [
        ("connect_attempts = abc", "connect_attempts"),
        ("connect_attempts = 1.5", "connect_attempts"),
        ("timeout = soon", "timeout"),
        ("reset_delay = -1", "reset_delay"),
        ("md5_timeout_per_mb =", "md5_timeout_per_mb"),
    ] {
        fs::write(p.cwd.join("esptool.cfg"), format!("[esptool]\n{line}\n")).unwrap();
        let e = load(&p.search(None)).unwrap_err();
        assert_eq!(e.key, key, "{line}");
        assert!(
            e.to_string()
                .contains(&p.cwd.join("esptool.cfg").display().to_string())
        );
    }
}

#[test]
fn skips_invalid_files_with_a_note() {
    let p = places();
    fs::write(p.cwd.join("esptool.cfg"), "[esptool]\na = 1\na = 2\n").unwrap();
    fs::write(p.cwd.join("setup.cfg"), "[esptool]\nconnect_attempts = 2\n").unwrap();
    let l = load(&p.search(None)).unwrap();
    assert_eq!(l.config.connect_attempts, Some(2));
    assert!(matches!(
        &l.notes[0],
        ConfigNote::InvalidFile { path, .. } if *path == p.cwd.join("esptool.cfg")
    ));
}
