//! `drconsole console`: the live dashboard.

pub fn run() -> anyhow::Result<i32> {
    anyhow::bail!("`console` is not built yet")
}
