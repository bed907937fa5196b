//! STS: who are we signed in as.

use super::error::from_sdk;
use super::types::Identity;
use super::{Provider, ProviderError};
use std::future::Future;

impl Provider {
    pub async fn caller_identity(&self) -> Result<Identity, ProviderError> {
        let out = self
            .bounded(self.sts.get_caller_identity().send())
            .await?
            .map_err(from_sdk)?;
        Ok(Identity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
            user_id: out.user_id().unwrap_or_default().to_string(),
        })
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
