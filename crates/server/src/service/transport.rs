//! Transport faults: an answer's body that stops short, and a connection that can be reset.
//!
//! Both stay out of the way of a normal answer: [`AnswerBody::Whole`] forwards to hyper's
//! `Full`, and [`Connection`] forwards every read and write to its socket; only a fault that
//! fired takes the other paths.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Why an answer stopped: a fault cut it on purpose. hyper closes the connection on it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer cut by a fault rule")
    }
}

impl std::error::Error for Aborted {}

/// An answer's body: whole, or cut by a fault after `sent` (if anything of it is sent).
#[derive(Debug)]
pub(super) enum AnswerBody {
    /// The answer as the vendor gave it.
    Whole(Full<Bytes>),
    /// A body that ends early: `sent`, then a pause that lets hyper flush what it holds, then
    /// an error that makes hyper close the connection.
    Cut {
        /// What is still to send of the body.
        sent: Option<Bytes>,
        /// Whether the pause before the error was taken.
        paused: bool,
    },
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        match self.get_mut() {
            AnswerBody::Whole(full) => Pin::new(full)
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(|never| match never {}))),
            AnswerBody::Cut { sent, paused } => {
                if let Some(bytes) = sent.take() {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                if !*paused {
                    // hyper writes out what it buffered (the headers, the part sent) when a
                    // body is not ready; erroring at once would drop them unsent.
                    *paused = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Ready(Some(Err(Aborted)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            AnswerBody::Whole(full) => full.is_end_stream(),
            AnswerBody::Cut { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            AnswerBody::Whole(full) => full.size_hint(),
            // The Content-Length header promises the whole body.
            AnswerBody::Cut { .. } => SizeHint::default(),
        }
    }
}

/// A served connection's socket, which a fault can ask to reset: it is then closed with
/// `SO_LINGER` 0, so the kernel sends RST instead of FIN.
#[derive(Debug)]
pub(super) struct Connection {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Connection {
    /// `stream`, and the flag a fault sets to have it reset when hyper drops it.
    pub(super) fn new(stream: TcpStream) -> (Connection, Arc<AtomicBool>) {
        let reset = Arc::new(AtomicBool::new(false));
        (Connection { stream, reset: reset.clone() }, reset)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Acquire) {
            let _ =
                socket2::SockRef::from(&self.stream).set_linger(Some(std::time::Duration::ZERO));
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        // A connection to reset must not say goodbye with a FIN first.
        if this.reset.load(Ordering::Acquire) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}
