import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import './style.css';
import App from './App.vue';
import { router } from './router';
import { useElement } from './element';

const app = createApp(App);
useElement(app);
app.use(router);
app.mount('#app');
