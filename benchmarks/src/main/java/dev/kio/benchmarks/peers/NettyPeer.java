package dev.kio.benchmarks.peers;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.util.ByteProcessor;

/**
 * The Netty peers: {@code NettyPeer uring|epoll echo|http PORT THREADS}. One event loop group of
 * THREADS threads on the chosen native transport accepts and serves every connection, the usual
 * Netty shape; reads arrive in pooled direct buffers, writes go out with one flush per read batch.
 */
public final class NettyPeer {
    private NettyPeer() {
    }

    /** The native transports compared. */
    enum Transport {
        URING, EPOLL
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[0].equals("uring") || args[0].equals("epoll"))) {
            throw new IllegalArgumentException("usage: NettyPeer uring|epoll echo|http PORT THREADS");
        }
        Transport transport = args[0].equals("uring") ? Transport.URING : Transport.EPOLL;
        PeerMain.serve(start(transport, PeerMain.Args.parse("NettyPeer " + args[0],
                Arrays.copyOfRange(args, 1, 4))));
    }

    static PeerMain.Server start(Transport transport, PeerMain.Args a) throws InterruptedException {
        IoHandlerFactory io;
        Class<? extends ServerChannel> channel;
        if (transport == Transport.URING) {
            IoUring.ensureAvailability();
            io = IoUringIoHandler.newFactory();
            channel = IoUringServerSocketChannel.class;
        } else {
            Epoll.ensureAvailability();
            io = EpollIoHandler.newFactory();
            channel = EpollServerSocketChannel.class;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(a.threads(), io);
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(a.mode() == PeerMain.Mode.ECHO ? ECHO : new Http());
                        }
                    })
                    .bind(a.address()).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            return new PeerMain.Server() {
                @Override
                public int port() {
                    return port;
                }

                @Override
                public void close() {
                    server.close().syncUninterruptibly();
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                }
            };
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Writes every received buffer back as it is (no copy; Netty releases it once sent). */
    private static final ChannelHandler ECHO = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    };

    /**
     * One connection's HTTP state: counts the requests each read completes, then answers them
     * all with one pooled buffer of responses when the read batch is done.
     */
    private static final class Http extends ChannelInboundHandlerAdapter implements ByteProcessor {
        private static final byte[] RESPONSES = HttpHello.responses(HttpHello.BATCH);

        private int matched;
        private long pending;

        @Override
        public boolean process(byte value) {
            matched = HttpHello.next(matched, value);
            if (matched == HttpHello.REQUEST_END) {
                pending++;
                matched = 0;
            }
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                in.forEachByte(this);
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            while (pending > 0) {
                int batch = (int) Math.min(pending, HttpHello.BATCH);
                int bytes = batch * HttpHello.RESPONSE.length;
                ctx.write(ctx.alloc().ioBuffer(bytes).writeBytes(RESPONSES, 0, bytes), ctx.voidPromise());
                pending -= batch;
            }
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
