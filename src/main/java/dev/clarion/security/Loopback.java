package dev.clarion.security;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether a request comes from this machine itself, not through a proxy. */
public final class Loopback {

  private Loopback() {}

  /**
   * A call from 127.0.0.1 or ::1 that carries no forwarding header: behind a proxy every call would
   * look local, so forwarded calls are never loopback calls.
   */
  public static boolean is(HttpServerRequest http) {
    if (http.getHeader("Forwarded") != null
        || http.getHeader("X-Forwarded-For") != null
        || http.getHeader("X-Real-IP") != null) {
      return false;
    }
    SocketAddress address = http.remoteAddress();
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      // A literal IP address: no name lookup happens.
      return InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
