//! Lets a handler run other requests through the whole app: `POST /batch`
//! sends each of its operations through the same routes, extractors and
//! handlers as a request of its own, so a batched write is exactly the
//! single write (validation, roles, `If-Match`, audit), only inside the
//! batch's transaction.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage};
use futures_util::future::LocalBoxFuture;

type Run =
    dyn Fn(ServiceRequest) -> LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>;

/// The app's routes, as a handler can call them (from the request's extensions).
#[derive(Clone)]
pub struct Dispatch(Rc<Run>);

impl Dispatch {
    /// Runs `req` through the app's routes and handlers.
    pub async fn call(&self, req: ServiceRequest) -> Result<ServiceResponse<BoxBody>, Error> {
        (self.0)(req).await
    }
}

/// The middleware that gives every request a [`Dispatch`]; wrapped
/// innermost, so that what it dispatches meets the routes alone.
pub struct Dispatcher;

impl<S, B> Transform<S, ServiceRequest> for Dispatcher
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = DispatcherService;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let service = Rc::new(service);
        let run: Rc<Run> = Rc::new(move |req: ServiceRequest| {
            let service = service.clone();
            Box::pin(async move {
                service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body)
            })
        });
        ready(Ok(DispatcherService(Dispatch(run))))
    }
}

pub struct DispatcherService(Dispatch);

impl Service<ServiceRequest> for DispatcherService {
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_web::dev::always_ready!();

    fn call(&self, req: ServiceRequest) -> Self::Future {
        req.extensions_mut().insert(self.0.clone());
        let dispatch = self.0.clone();
        Box::pin(async move { dispatch.call(req).await })
    }
}
