//! `drconsole status`. SKELETON: replaced by the helper that owns it.

pub fn run() -> anyhow::Result<i32> {
    anyhow::bail!("`status` is not built yet")
}
