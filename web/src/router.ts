import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { whenUnauthenticated } from './api';
import { forget, HOME, loadSession, session } from './session';
import type { Role } from './types';
import Shell from './components/Shell.vue';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    roles?: Role[];
    public?: boolean;
  }
}

const centre: Role[] = ['operator', 'admin'];
const everyone: Role[] = ['operator', 'unit', 'commander', 'admin'];

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./views/Login.vue'), meta: { public: true, title: '登录' } },
  {
    path: '/',
    component: Shell,
    children: [
      { path: '', redirect: () => (session.user ? HOME[session.user.role] : '/login') },
      { path: 'triage', component: () => import('./views/Triage.vue'), meta: { title: '分派队列', roles: centre } },
      { path: 'orders', component: () => import('./views/Search.vue'), meta: { title: '工单查询', roles: everyone } },
      { path: 'orders/:id', component: () => import('./views/Order.vue'), meta: { title: '工单详情', roles: everyone } },
      { path: 'inbox', component: () => import('./views/Inbox.vue'), meta: { title: '我的待办', roles: ['unit'] } },
      { path: 'callbacks', component: () => import('./views/Callbacks.vue'), meta: { title: '回访任务', roles: ['operator', 'admin', 'commander'] } },
      { path: 'slips', component: () => import('./views/Slips.vue'), meta: { title: '督办单', roles: everyone } },
      { path: 'dashboard', component: () => import('./views/Dashboard.vue'), meta: { title: '指挥看板', roles: ['commander', 'admin', 'operator'] } },
      { path: 'reports', component: () => import('./views/Reports.vue'), meta: { title: '通报与趋势', roles: ['commander', 'admin', 'operator'] } },
      { path: 'admin/calendar', component: () => import('./views/Calendar.vue'), meta: { title: '工作日历', roles: ['admin'] } },
      { path: 'admin/accounts', component: () => import('./views/Accounts.vue'), meta: { title: '账号管理', roles: ['admin'] } },
      { path: 'admin/units', component: () => import('./views/Units.vue'), meta: { title: '单位目录', roles: ['admin'] } },
      { path: 'admin/settings', component: () => import('./views/Settings.vue'), meta: { title: '系统设置', roles: ['admin'] } },
      { path: 'admin/deadlines', component: () => import('./views/DeadlinePolicies.vue'), meta: { title: '办理时限', roles: ['admin'] } },
      { path: 'admin/routing', component: () => import('./views/Routing.vue'), meta: { title: '智能分派', roles: ['admin'] } },
      { path: ':rest(.*)*', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在', roles: everyone } },
    ],
  },
];

export const router = createRouter({ history: createWebHistory('/app/'), routes });

router.beforeEach(async (to) => {
  const user = await loadSession();
  if (to.meta.public) return user && to.path === '/login' ? HOME[user.role] : true;
  if (!user) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (to.meta.roles && !to.meta.roles.includes(user.role)) return HOME[user.role];
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 12345 热线工单工作台` : '12345 热线工单工作台';
});

whenUnauthenticated(() => {
  forget();
  const here = router.currentRoute.value;
  if (!here.meta.public) void router.replace({ path: '/login', query: { next: here.fullPath } });
});
