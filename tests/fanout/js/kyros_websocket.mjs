// The spec's KyrosWebSocket class (kyros-api-v1.md, "WebSocket Integration"), verbatim,
// followed by a harness that drives it against a running Kyros and prints what it receives.

class KyrosWebSocket {
    constructor(url, token) {
        this.url = url;
        this.token = token;
        this.ws = null;
        this.reconnectAttempts = 0;
        this.maxReconnectAttempts = 5;
        this.reconnectDelay = 1000;
        this.eventHandlers = {};
    }

    connect() {
        this.ws = new WebSocket(this.url);
        
        this.ws.onopen = () => {
            console.log('WebSocket connected');
            this.authenticate();
            this.reconnectAttempts = 0;
        };

        this.ws.onmessage = (event) => {
            const message = JSON.parse(event.data);
            this.handleMessage(message);
        };

        this.ws.onclose = () => {
            console.log('WebSocket disconnected');
            this.reconnect();
        };

        this.ws.onerror = (error) => {
            console.error('WebSocket error:', error);
        };
    }

    authenticate() {
        this.send({
            type: 'auth',
            token: this.token
        });
    }

    subscribe(events) {
        this.send({
            type: 'subscribe',
            events: events
        });
    }

    send(data) {
        if (this.ws && this.ws.readyState === WebSocket.OPEN) {
            this.ws.send(JSON.stringify(data));
        }
    }

    handleMessage(message) {
        const { type, data } = message;
        
        if (this.eventHandlers[type]) {
            this.eventHandlers[type].forEach(handler => handler(data));
        }
    }

    on(event, handler) {
        if (!this.eventHandlers[event]) {
            this.eventHandlers[event] = [];
        }
        this.eventHandlers[event].push(handler);
    }

    reconnect() {
        if (this.reconnectAttempts < this.maxReconnectAttempts) {
            this.reconnectAttempts++;
            const delay = this.reconnectDelay * Math.pow(2, this.reconnectAttempts - 1);
            
            console.log(`Reconnecting in ${delay}ms (attempt ${this.reconnectAttempts})`);
            
            setTimeout(() => {
                this.connect();
            }, delay);
        } else {
            console.error('Max reconnection attempts reached');
        }
    }

    disconnect() {
        if (this.ws) {
            this.ws.close();
        }
    }
}

// ---- harness (not from the spec) ----
// The spec's usage example subscribes in ws.on('open'), an event its class never emits; Kyros
// acknowledges authentication with {type: "authenticated"}, so the harness subscribes on that.
const [url, token, ...events] = process.argv.slice(2);
const wanted = Number(process.env.KYROS_EXPECT || '2');
const ws = new KyrosWebSocket(url, token);
let received = 0;

ws.on('authenticated', () => ws.subscribe(events));
ws.on('subscribed', (data) => console.log('SUBSCRIBED ' + JSON.stringify(data)));
ws.on('error', (data) => console.log('ERROR ' + JSON.stringify(data)));
ws.on('task_progress', (data) => {
    console.log('TASK_PROGRESS ' + JSON.stringify(data));
    received += 1;
    if (received >= wanted) {
        ws.maxReconnectAttempts = 0;
        ws.disconnect();
    }
});
setTimeout(() => { console.log('TIMEOUT'); process.exit(2); }, 30000).unref();
ws.connect();
