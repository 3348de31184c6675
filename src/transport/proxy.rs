//! Proxies: `http://` (CONNECT tunnels for HTTPS, absolute-form requests for HTTP) and
//! `socks5://` / `socks5h://`, from the config or from the environment the way curl
//! reads it (`https_proxy`, `http_proxy`, `all_proxy`, `no_proxy`).
//!
//! A proxy's credentials are a `Secret`: `Debug` shows `user:**@host:port` and error
//! messages name only `host:port`.

use crate::secret::Secret;
use percent_encoding::percent_decode_str;
use std::fmt;

/// The protocol spoken to the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// An HTTP proxy.
    Http,
    /// SOCKS5; `remote_dns` (`socks5h://`) lets the proxy resolve the target's name.
    Socks5 {
        /// Whether the proxy resolves host names.
        remote_dns: bool,
    },
}

/// One proxy server.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The protocol.
    pub kind: ProxyKind,
    /// Host name or IP (without brackets).
    pub host: String,
    /// Port (80 for HTTP and 1080 for SOCKS when the URL has none).
    pub port: u16,
    /// `user:password` from the URL, percent-decoded.
    pub auth: Option<(String, Secret)>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 { remote_dns: false } => "socks5",
            ProxyKind::Socks5 { remote_dns: true } => "socks5h",
        };
        let user = self.auth.as_ref().map(|(u, _)| format!("{u}:**@")).unwrap_or_default();
        write!(f, "{scheme}://{user}{}", self.addr())
    }
}

impl Proxy {
    /// Parses `[scheme://][user:password@]host[:port][/]`. Messages never echo the URL
    /// (it may hold a password).
    pub fn parse(url: &str) -> Result<Proxy, String> {
        let url = url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), url),
        };
        let kind = match scheme.as_str() {
            "http" => ProxyKind::Http,
            "socks5" => ProxyKind::Socks5 { remote_dns: false },
            "socks5h" => ProxyKind::Socks5 { remote_dns: true },
            "https" => return Err("https:// proxies are not supported; use an http:// or socks5:// proxy".into()),
            other => return Err(format!("proxy scheme {other:?} is not supported (http, socks5, socks5h)")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') || rest.contains('#') {
            return Err("a proxy URL has no path".into());
        }
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hp)) => {
                let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let decode = |s: &str| percent_decode_str(s).decode_utf8().map(|c| c.into_owned());
                let user = decode(user).map_err(|_| "proxy user name is not UTF-8".to_string())?;
                let pass = decode(pass).map_err(|_| "proxy password is not UTF-8".to_string())?;
                (Some((user, Secret::new(pass))), hp)
            }
            None => (None, rest),
        };
        let default_port = if kind == ProxyKind::Http { 80 } else { 1080 };
        let (host, port) = split_host_port(hostport, default_port)?;
        Ok(Proxy { kind, host, port, auth })
    }

    /// `host:port`, IPv6 hosts in brackets (what messages may show).
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Splits `host[:port]` (`[v6]:port` for IPv6); the host is lower-cased.
pub fn split_host_port(s: &str, default_port: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("unclosed [ in host")?;
        (h, after.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err("host is empty".into());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or("port must be 1..65535")?,
        None => default_port,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// `no_proxy`: host names (matching themselves and their subdomains), IPs, or `*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy(Vec<String>);

impl NoProxy {
    /// Parses a comma-separated list; ports and a leading `.` are ignored.
    pub fn parse(list: &str) -> NoProxy {
        let entries = list
            .split(',')
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .map(|e| match split_host_port(&e, 0) {
                Ok((h, _)) => h,
                Err(_) => e,
            })
            .filter(|e| !e.is_empty())
            .collect();
        NoProxy(entries)
    }

    /// Whether `host` bypasses the proxy.
    pub fn matches(&self, host: &str) -> bool {
        self.0.iter().any(|e| {
            e == "*"
                || host == e
                || (host.len() > e.len() && host.ends_with(e.as_str()) && host[..host.len() - e.len()].ends_with('.'))
        })
    }
}

/// Which proxy each kind of target goes through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proxies {
    /// For `http://` targets.
    pub http: Option<Proxy>,
    /// For `https://` targets.
    pub https: Option<Proxy>,
    /// Hosts reached directly.
    pub no_proxy: NoProxy,
}

impl Proxies {
    /// One proxy for everything.
    pub fn all(p: Proxy) -> Proxies {
        Proxies { http: Some(p.clone()), https: Some(p), no_proxy: NoProxy::default() }
    }

    /// From the environment as curl reads it: `https_proxy`/`HTTPS_PROXY`, `http_proxy`
    /// (lower case only, as curl does), `all_proxy`/`ALL_PROXY`, `no_proxy`/`NO_PROXY`.
    /// `var` looks a variable up (injected for tests).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Proxies, String> {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|n| var(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
        };
        let parse = |found: Option<(&'static str, String)>| -> Result<Option<Proxy>, String> {
            match found {
                Some((name, v)) => {
                    Proxy::parse(&v).map(Some).map_err(|e| format!("{name} is not a usable proxy URL: {e}"))
                }
                None => Ok(None),
            }
        };
        let all = parse(first(&["all_proxy", "ALL_PROXY"]))?;
        let https = parse(first(&["https_proxy", "HTTPS_PROXY"]))?.or_else(|| all.clone());
        let http = parse(first(&["http_proxy"]))?.or(all);
        let no_proxy = first(&["no_proxy", "NO_PROXY"]).map(|(_, v)| NoProxy::parse(&v)).unwrap_or_default();
        Ok(Proxies { http, https, no_proxy })
    }

    /// The proxy for a target, if any.
    pub fn for_target(&self, tls: bool, host: &str) -> Option<&Proxy> {
        let p = if tls { self.https.as_ref() } else { self.http.as_ref() };
        p.filter(|_| !self.no_proxy.matches(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_and_hides_passwords() {
        let p = Proxy::parse("http://alice:s%40cret@Proxy.Example:3128/").unwrap();
        assert_eq!((p.kind, p.host.as_str(), p.port), (ProxyKind::Http, "proxy.example", 3128));
        let (user, pass) = p.auth.as_ref().unwrap();
        assert_eq!((user.as_str(), pass.expose()), ("alice", "s@cret"));
        assert_eq!(format!("{p:?}"), "http://alice:**@proxy.example:3128");
        assert_eq!(Proxy::parse("10.0.0.1").unwrap().port, 80);
        assert_eq!(Proxy::parse("socks5h://[::1]").unwrap().addr(), "[::1]:1080");
        for bad in ["https://p:1", "socks4://p", "http://p:0", "http://p:99999", "http://p/x", "http://"] {
            let e = Proxy::parse(bad).unwrap_err();
            assert!(!e.contains("p:1"), "{e}");
        }
    }

    #[test]
    fn environment_and_no_proxy() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let p = Proxies::from_env(env(&[
            ("HTTPS_PROXY", "http://h:1"),
            ("all_proxy", "socks5://s:2"),
            ("NO_PROXY", ".internal, 127.0.0.1:9"),
        ]))
        .unwrap();
        assert_eq!(p.for_target(true, "trtc.tencentcloudapi.com").unwrap().port, 1);
        assert_eq!(p.for_target(false, "example.com").unwrap().port, 2);
        assert!(p.for_target(true, "a.b.internal").is_none());
        assert!(p.for_target(true, "internal").is_none());
        assert!(p.for_target(true, "xinternal").is_some());
        assert!(p.for_target(false, "127.0.0.1").is_none());
        // Upper-case HTTP_PROXY is ignored (httpoxy), as curl does.
        assert_eq!(Proxies::from_env(env(&[("HTTP_PROXY", "http://h:1")])).unwrap(), Proxies::default());
        let e = Proxies::from_env(env(&[("https_proxy", "ftp://u:pw@h")])).unwrap_err();
        assert!(e.starts_with("https_proxy is not") && !e.contains("pw"), "{e}");
        assert!(NoProxy::parse("*").matches("anything"));
    }
}
