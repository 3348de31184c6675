//! The sandbox: a strict local emulator of every Tencent endpoint tccall speaks.
