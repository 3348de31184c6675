//! Generates the C header `include/tccall.h` with cbindgen.
//!
//! The header is committed. Outside CI the build refreshes it so developers commit
//! an up-to-date file; with `CI` set it is left alone, and the `header_is_current`
//! test fails on a stale committed header.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // The shared library's SONAME is libtccall.so.<TCCALL_ABI_VERSION>, so a program records
    // `NEEDED libtccall.so.1` and a breaking ABI change gets a new name (libcurl.so.4 style).
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let abi = abi_number(&dir).expect("TCCALL_ABI_VERSION in src/ffi/mod.rs");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtccall.so.{abi}");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("tccall.h");
    let header = match generate(&dir) {
        Ok(h) => h,
        Err(e) => {
            // A syntax error elsewhere is reported better by rustc than by cbindgen.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            return;
        }
    };
    std::fs::write(&out, &header).expect("write OUT_DIR/tccall.h");
    let committed = dir.join("include/tccall.h");
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if !in_ci && std::fs::read_to_string(&committed).ok().as_deref() != Some(header.as_str()) {
        std::fs::create_dir_all(dir.join("include")).expect("create include/");
        std::fs::write(&committed, &header).expect("write include/tccall.h");
    }
}

/// `n` of `pub const TCCALL_ABI_VERSION: u32 = n;` in src/ffi/mod.rs (the Makefile reads it too).
fn abi_number(dir: &std::path::Path) -> Result<u32, String> {
    let src = std::fs::read_to_string(dir.join("src/ffi/mod.rs")).map_err(|e| e.to_string())?;
    src.lines()
        .find_map(|l| l.strip_prefix("pub const TCCALL_ABI_VERSION: u32 = "))
        .and_then(|rest| rest.strip_suffix(';'))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| "src/ffi/mod.rs has no TCCALL_ABI_VERSION".to_string())
}

/// `#define TCCALL_ABI_VERSION n`, from [`abi_number`].
fn abi_version(dir: &std::path::Path) -> Result<String, String> {
    let n = abi_number(dir)?;
    Ok(format!("\n/* Bumped only on a breaking change of the C ABI; compare with tccall_abi_version(). */\n#define TCCALL_ABI_VERSION {n}\n"))
}

/// `#define`s from a table of lines `Variant = number, "TCCALL_NAME", c"description";`
/// (or `"description"`) in `file`: the result codes of src/error.rs and the log levels of
/// src/observe.rs, so the header and the Rust enums cannot disagree.
fn table_defines(dir: &std::path::Path, file: &str, heading: &str, at_least: usize) -> Result<String, String> {
    let src = std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string())?;
    let mut out = format!("\n{heading}\n");
    let mut count = 0;
    for line in src.lines() {
        let Some((_, rest)) = line.trim().split_once(" = ") else { continue };
        let mut parts = rest.splitn(3, ", ");
        let (Some(num), Some(name), Some(desc)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let desc = desc.strip_prefix('c').unwrap_or(desc);
        let (Some(name), Some(desc)) = (
            name.strip_prefix("\"TCCALL_").and_then(|n| n.strip_suffix('"')),
            desc.strip_prefix('"').and_then(|d| d.strip_suffix("\";")),
        ) else {
            continue;
        };
        if num.parse::<i32>().is_err() {
            continue;
        }
        out.push_str(&format!("/* {desc} */\n#define TCCALL_{name} {num}\n"));
        count += 1;
    }
    if count < at_least {
        return Err(format!("found only {count} table lines in {file}"));
    }
    Ok(out)
}

fn generate(dir: &std::path::Path) -> Result<String, String> {
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).map_err(|e| e.to_string())?;
    let version = std::env::var("CARGO_PKG_VERSION").expect("set by cargo");
    let mut parts = version.split('.').map(|p| p.split('-').next().unwrap_or("0").parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let mut defines = format!(
        "\n#define TCCALL_VERSION \"{version}\"\n#define TCCALL_VERSION_MAJOR {major}\n#define TCCALL_VERSION_MINOR {minor}\n#define TCCALL_VERSION_PATCH {patch}\n#define TCCALL_VERSION_NUMBER {}\n",
        major * 1_000_000 + minor * 1_000 + patch
    );
    defines.push_str(&abi_version(dir)?);
    defines.push_str(&table_defines(
        dir,
        "src/error.rs",
        "/* Result codes: 0 is success; the others come in blocks (1xx input, 2xx network, 3xx Tencent,\n   4xx auth, 5xx webhook, 9xx internal) and are never renumbered. tccall_strerror() names each. */",
        20,
    )?);
    defines.push_str(&table_defines(
        dir,
        "src/observe.rs",
        "/* Log levels for tccall_client_set_log_callback (0 turns logging off). */",
        4,
    )?);
    config.after_includes = Some(defines);
    let bindings =
        cbindgen::Builder::new().with_crate(dir).with_config(config).generate().map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    bindings.write(&mut buf);
    String::from_utf8(buf).map_err(|e| e.to_string())
}
