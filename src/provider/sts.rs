//! STS: who are we signed in as.

use super::error::from_sdk;
use super::types::Identity;
use super::{Provider, ProviderError};
use std::future::Future;

impl Provider {
    /// GetCallerIdentity in the preferred Region, then in the others: who we are does
    /// not depend on which Region is dark.
    pub async fn caller_identity(&self) -> Result<Identity, ProviderError> {
        let mut last = ProviderError::NotConfigured("no STS client".into());
        for (region, client) in &self.sts {
            let answer = match self.bounded(client.get_caller_identity().send()).await {
                Ok(r) => r.map_err(from_sdk),
                Err(e) => Err(e),
            };
            match answer {
                Ok(out) => {
                    return Ok(Identity {
                        account: out.account().unwrap_or_default().to_string(),
                        arn: out.arn().unwrap_or_default().to_string(),
                        user_id: out.user_id().unwrap_or_default().to_string(),
                    });
                }
                Err(e) => {
                    tracing::info!(region = %region, error = %e, "STS did not answer, trying the next Region");
                    last = e;
                }
            }
        }
        Err(last)
    }

    /// Belt and braces over the SDK's own operation timeout: whatever happens inside,
    /// the caller gets an answer shortly after it.
    pub(super) async fn bounded<T>(
        &self,
        fut: impl Future<Output = T>,
    ) -> Result<T, ProviderError> {
        let limit = self.config.operation_timeout + self.config.connect_timeout;
        tokio::time::timeout(limit, fut)
            .await
            .map_err(|_| ProviderError::Timeout {
                detail: format!("no answer within {} ms", limit.as_millis()),
            })
    }
}
